from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "smartcity.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self):
        from smartcity.core import demo
        from smartcity.core.core_datasets import register_core_datasets
        from smartcity.core.demo import organisations, users

        register_core_datasets()
        demo.register("organisations", organisations.load)
        demo.register("users", users.load)
