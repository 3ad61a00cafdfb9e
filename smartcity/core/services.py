"""Use cases of the platform shell."""

from django.conf import settings
from django.core.mail import send_mail

from smartcity.core.accounts.models import Organisation
from smartcity.core.geography.services import areas_geojson


def home_context() -> dict:
    return {"areas_geojson": areas_geojson()}


def staff_context(user, organisation_ids: set[int]) -> dict:
    return {"organisations": Organisation.objects.filter(pk__in=organisation_ids)}


def submit_accessibility_feedback(form):
    feedback = form.save()
    send_mail(
        "Barriere gemeldet / accessibility feedback",
        f"{feedback.page_url}\n\n{feedback.description}\n\n{feedback.name} <{feedback.email}>",
        None,
        [settings.ACCESSIBILITY_CONTACT_EMAIL],
    )
    return feedback
