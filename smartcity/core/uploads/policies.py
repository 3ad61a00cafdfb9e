"""Who may see and delete an uploaded image (see smartcity.core.permissions).

The uploader and platform admins. An app that shows an image to others (a public concern,
a department's inbox) decides that through the policy of its own model, which points at
the upload; this policy only guards the upload itself.
"""

from smartcity.core.permissions import Policy, is_authenticated


class ImageUploadPolicy(Policy):
    def view(self, user, obj):
        return is_authenticated(user) and obj.uploaded_by_id == user.pk

    # The text alternative is the only field that changes after upload.
    change = delete = view
