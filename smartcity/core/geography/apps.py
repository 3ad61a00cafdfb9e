from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeographyConfig(AppConfig):
    name = "smartcity.core.geography"
    label = "geography"
    verbose_name = _("Geography")

    def ready(self):
        from smartcity.core import demo, permissions
        from smartcity.core.audit.registry import register
        from smartcity.core.geography import demo as geography_demo
        from smartcity.core.geography.datasets import register_datasets
        from smartcity.core.geography.models import Area
        from smartcity.core.geography.policies import AreaPolicy

        permissions.register(Area, AreaPolicy())
        register(Area)
        demo.register("areas", geography_demo.load)
        register_datasets()
