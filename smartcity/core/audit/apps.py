from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "smartcity.core.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self):
        from smartcity.core import permissions
        from smartcity.core.audit.models import AuditEntry
        from smartcity.core.audit.policies import AuditPolicy

        permissions.register(AuditEntry, AuditPolicy())
