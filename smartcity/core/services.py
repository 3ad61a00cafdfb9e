"""Use cases of the platform shell."""

from smartcity.core.accounts.models import Organisation
from smartcity.core.geography.services import areas_geojson
from smartcity.core.tasks import send_accessibility_feedback


def home_context() -> dict:
    return {"areas_geojson": areas_geojson()}


def staff_context(user, organisation_ids: set[int]) -> dict:
    return {"organisations": Organisation.objects.filter(pk__in=organisation_ids)}


def submit_accessibility_feedback(form):
    feedback = form.save()
    send_accessibility_feedback.enqueue(feedback.pk)
    return feedback
