"""Background jobs of concern management (django-tasks); the periodic ones are scheduled in
ConcernsConfig.ready()."""

from django.core.mail import send_mail
from django_tasks import task

from smartcity.concerns.models import Concern
from smartcity.concerns.services import moderation, processing


@task()
def escalate_overdue_task() -> int:
    return processing.escalate_overdue()


@task()
def publish_due_task() -> int:
    return moderation.publish_due()


@task()
def anonymise_closed_task() -> int:
    return moderation.anonymise_closed()


@task()
def ask_whether_fixed_task() -> int:
    return processing.ask_whether_fixed()


@task()
def email_contact(concern_id: int, subject: str, body: str) -> bool:
    """E-mail a reporter without an account; the address is read now, so that it never
    travels through the queue (and is not used once it has been erased)."""
    email = Concern.objects.filter(pk=concern_id).values_list("contact_email", flat=True).first()
    if not email:
        return False
    send_mail(subject, body, None, [email])
    return True
