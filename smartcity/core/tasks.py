from django.conf import settings
from django.core.mail import EmailMessage
from django_tasks import task

from smartcity.core.models import AccessibilityFeedback


@task()
def send_accessibility_feedback(feedback_id: int) -> None:
    """Forward a barrier report to the accessibility contact (BITV 2.0 § 7)."""
    feedback = AccessibilityFeedback.objects.get(pk=feedback_id)
    reply_to = [feedback.email] if feedback.email else None
    EmailMessage(
        subject=f"Barriere gemeldet: {feedback.page_url or '(keine Seite angegeben)'}",
        body=f"{feedback.description}\n\n– {feedback.name or 'anonym'} {feedback.email}".strip(),
        to=[settings.ACCESSIBILITY_CONTACT_EMAIL],
        reply_to=reply_to,
    ).send()
