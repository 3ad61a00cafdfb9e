from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorsConfig(AppConfig):
    name = "smartcity.sensors"
    label = "sensors"
    verbose_name = _("Sensors")

    def ready(self):
        from datetime import timedelta

        from smartcity.core import demo, navigation, schedule
        from smartcity.sensors import demo as sensors_demo
        from smartcity.sensors.alerting.models import register_alerting
        from smartcity.sensors.alerting.tasks import evaluate_staleness_task
        from smartcity.sensors.datasets import register_datasets
        from smartcity.sensors.timeseries.tasks import apply_retention_task

        demo.register("sensors", sensors_demo.load)
        navigation.register_main(_("Sensors"), "sensors:map", order=30)
        navigation.register_staff(_("Sensors: things, tokens and alert rules"), "sensors:staff")
        navigation.register_staff(_("Sensor alerts"), "sensors:alerts")
        navigation.register_staff(
            _("MQTT dead letters"), "sensors:dead-letters", platform_admins_only=True
        )
        register_alerting()
        register_datasets()
        schedule.periodic("sensors.alert-staleness", timedelta(minutes=1), evaluate_staleness_task)
        schedule.periodic("sensors.retention", timedelta(days=1), apply_retention_task)
