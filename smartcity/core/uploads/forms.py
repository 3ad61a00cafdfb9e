"""Form fields that run the upload checks during form validation.

A view that uses them shows "too large", "not an image" and the other errors next to the
field, in the person's language, before anything is stored. The cleaned result travels on
the uploaded file, so ``services.store_image`` / ``store_images`` do not decode it again::

    class ConcernForm(forms.Form):
        photos = MultipleImageUploadField(max_files=3, required=False)

    # in the view, after form.is_valid():
    uploads = store_images(form.cleaned_data["photos"], uploaded_by=request.user)
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from smartcity.core.uploads.services import ACCEPT, PREPARED_ATTRIBUTE, prepare_image


class ImageFileInput(forms.FileInput):
    """Lets the browser's file picker offer only the accepted image types."""

    def __init__(self, attrs=None):
        super().__init__({"accept": ACCEPT, **(attrs or {})})


class MultipleImageFileInput(ImageFileInput):
    allow_multiple_selected = True


class ImageUploadField(forms.FileField):
    """One JPEG, PNG or WebP image; cleans to the uploaded file, checked and prepared."""

    widget = ImageFileInput

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        # Only a new upload is checked: an unchanged initial value is an already stored file.
        if isinstance(value, UploadedFile):
            setattr(value, PREPARED_ATTRIBUTE, prepare_image(value))
        return value


class MultipleImageUploadField(ImageUploadField):
    """Up to ``max_files`` images in one input; cleans to a list (empty when none)."""

    widget = MultipleImageFileInput
    default_error_messages = {
        "too_many_files": ngettext_lazy(
            "You can upload at most %(max)d image.",
            "You can upload at most %(max)d images.",
            "max",
        ),
        "file_error": _("%(name)s: %(error)s"),
    }

    def __init__(self, *, max_files: int = 3, **kwargs):
        if max_files < 1:
            raise ValueError("max_files must be at least 1")
        self.max_files = max_files
        super().__init__(**kwargs)
        # Formatting a lazy ngettext translates at once (at import, in the default language);
        # wrapping the whole expression keeps the help text in the reader's language.
        self.help_text = (
            self.help_text
            or lazy(
                lambda: (
                    ngettext(
                        "Up to %(max)d image (JPEG, PNG or WebP).",
                        "Up to %(max)d images (JPEG, PNG or WebP).",
                        max_files,
                    )
                    % {"max": max_files}
                ),
                str,
            )()
        )

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            files = [item for item in data if item]
        else:
            files = [data] if data else []
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        # Counted before any file is decoded, so a flood of files costs no image work.
        if len(files) > self.max_files:
            raise ValidationError(
                self.error_messages["too_many_files"],
                code="too_many_files",
                params={"max": self.max_files},
            )
        cleaned, errors = [], []
        for item in files:
            try:
                cleaned.append(super().clean(item))
            except ValidationError as error:
                name = getattr(item, "name", "") or _("file")
                errors.extend(
                    ValidationError(
                        self.error_messages["file_error"],
                        code=getattr(error, "code", None) or "invalid",
                        params={"name": name, "error": message},
                    )
                    for message in error.messages
                )
        if errors:
            raise ValidationError(errors)
        return cleaned
