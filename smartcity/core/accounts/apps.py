from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "smartcity.core.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from smartcity.core import permissions
        from smartcity.core.accounts import policies, services  # noqa: F401 - registers exporter
        from smartcity.core.accounts.models import ApiToken, Membership, Organisation, User
        from smartcity.core.audit.registry import register

        permissions.register(User, policies.UserPolicy())
        permissions.register(Organisation, policies.OrganisationPolicy())
        permissions.register(Membership, policies.MembershipPolicy())
        register(User, masked=["password"], exclude=["last_login"])
        register(Organisation)
        register(Membership)
        register(ApiToken, exclude=["key_hash", "last_used_at"])
