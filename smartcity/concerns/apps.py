from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcernsConfig(AppConfig):
    name = "smartcity.concerns"
    label = "concerns"
    verbose_name = _("Citizen concerns")

    def ready(self):
        from datetime import timedelta

        from smartcity.concerns import demo as concerns_demo
        from smartcity.concerns import models, policies, tasks
        from smartcity.concerns.datasets import register_datasets
        from smartcity.concerns.services import notifying
        from smartcity.concerns.services import privacy as concerns_privacy
        from smartcity.core import demo, navigation, permissions, privacy, schedule
        from smartcity.core.audit.registry import register as audit

        permissions.register(models.Concern, policies.ConcernPolicy())
        permissions.register(models.ConcernEvent, policies.ConcernEventPolicy())
        permissions.register(models.Category, policies.CategoryPolicy())
        permissions.register(models.Follow, policies.FollowPolicy())
        audit(models.Category, exclude=["updated_at"])
        audit(models.CategoryAttribute)
        audit(models.ResponseTemplate)
        audit(models.RoutingRule)
        audit(
            models.Concern,
            exclude=["updated_at", "idempotency_key"],
            masked=["contact_name", "contact_email", "contact_phone"],
        )
        audit(models.ConcernEvent)
        audit(models.ConcernPhoto)
        audit(models.ApiKey, exclude=["key_hash", "last_used_at"])
        navigation.register_staff(
            _("Open311 API keys"), "open311:keys", order=29, platform_admins_only=True
        )
        notifying.register_topics()
        privacy.register_exporter("concerns", concerns_privacy.export_user_data)
        privacy.register_eraser("concerns", concerns_privacy.erase_user_data)
        demo.register("concerns", concerns_demo.load)
        register_datasets()
        navigation.register_staff(_("Concerns: inbox"), "concerns:inbox", order=20)
        navigation.register_staff(_("Concerns: statistics"), "concerns:statistics", order=21)
        navigation.register_staff(_("Concerns: catalogue"), "concerns:catalogue", order=22)
        navigation.register_main(_("Report a problem"), "concerns:report", order=10)
        navigation.register_main(_("Concerns"), "concerns:list", order=20)
        schedule.periodic("concerns.publish", timedelta(minutes=10), tasks.publish_due_task)
        schedule.periodic("concerns.escalate", timedelta(minutes=15), tasks.escalate_overdue_task)
        schedule.periodic("concerns.anonymise", timedelta(days=1), tasks.anonymise_closed_task)
        schedule.periodic(
            "concerns.fixed-question", timedelta(hours=6), tasks.ask_whether_fixed_task
        )
