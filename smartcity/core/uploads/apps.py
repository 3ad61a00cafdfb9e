from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UploadsConfig(AppConfig):
    name = "smartcity.core.uploads"
    label = "uploads"
    verbose_name = _("Uploads")

    def ready(self):
        from django.db.models.signals import post_delete

        from smartcity.core import permissions, privacy
        from smartcity.core.audit.registry import register
        from smartcity.core.uploads import services
        from smartcity.core.uploads.models import ImageUpload
        from smartcity.core.uploads.policies import ImageUploadPolicy

        permissions.register(ImageUpload, ImageUploadPolicy())
        register(ImageUpload)
        privacy.register_exporter("uploads", services.export_uploads)
        post_delete.connect(
            services.remove_files_after_delete,
            sender=ImageUpload,
            dispatch_uid="uploads.remove_files_after_delete",
        )
