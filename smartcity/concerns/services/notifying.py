"""Telling people what happens to concerns, through the core notification service.

Reporters with an account and followers get in-app messages, and e-mail or Web Push as
they chose; a reporter without an account who left an e-mail address gets an e-mail. The
person who made a change is not told about it.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from smartcity.concerns.models import Concern, Follow, link
from smartcity.core.accounts.models import Membership
from smartcity.core.notifications.services import notify_many
from smartcity.core.notifications.topics import EMAIL, WEBPUSH, register_topic

UPDATES = "concerns.updates"
AREA = "concerns.area"
ESCALATION = "concerns.escalation"
DEPARTMENT = "concerns.department"


def register_topics() -> None:
    register_topic(
        UPDATES,
        _("Concerns I reported or follow"),
        _("When the city answers, changes the state of, forwards or merges such a concern."),
        default_channels=(EMAIL, WEBPUSH),
    )
    register_topic(
        AREA,
        _("New concerns in areas I follow"),
        _("When a concern in a district you follow is published."),
        default_channels=(WEBPUSH,),
    )
    register_topic(
        ESCALATION,
        _("Overdue concerns"),
        _("When concerns of your department pass their target time."),
        default_channels=(EMAIL, WEBPUSH),
        staff_only=True,
    )
    register_topic(
        DEPARTMENT,
        _("Reopened concerns of my department"),
        _(
            "When a reporter reopens a concern of your department: its assignee, or everyone "
            "in the department while nobody is assigned."
        ),
        default_channels=(EMAIL, WEBPUSH),
        staff_only=True,
    )


def tell_reporter_and_followers(concern: Concern, title, body: str = "", *, actor=None) -> None:
    follower_ids = set(Follow.objects.filter(concern=concern).values_list("user_id", flat=True))
    if concern.reporter_id is not None:
        follower_ids.add(concern.reporter_id)
    follower_ids.discard(getattr(actor, "pk", None))
    recipients = get_user_model().objects.filter(pk__in=follower_ids).order_by("pk")
    notify_many(recipients, UPDATES, title, body, concern.get_absolute_url())
    if concern.reporter_id is None and concern.contact_email:
        _email_contact(concern, title, body)


def tell_reporter(concern: Concern, title, body) -> None:
    notify_many([concern.reporter], UPDATES, title, body, concern.get_absolute_url())


def _email_contact(concern: Concern, title, body: str) -> None:
    from smartcity.concerns.tasks import email_contact

    # Reporters without an account read the city's language; the address is read by the
    # task, so that it never sits in the task queue.
    with translation.override(settings.LANGUAGE_CODE):
        subject_text, body_text = str(title), str(body)
    url = concern.get_absolute_url()
    if url:
        body_text = f"{body_text}\n\n{settings.SITE_URL.rstrip('/')}{url}".strip()
    transaction.on_commit(lambda: email_contact.enqueue(concern.pk, subject_text, body_text))


def tell_area_followers(concern: Concern) -> None:
    if concern.area_id is None:
        return
    users = [
        follow.user
        for follow in Follow.objects.filter(area_id=concern.area_id).select_related("user")
        if follow.user_id != concern.reporter_id
    ]
    title = format_lazy(
        _("New concern in {area}: {category}"),
        area=concern.area.name,
        category=concern.category.name,
    )
    notify_many(users, AREA, title, concern.public_description[:300], concern.get_absolute_url())


def tell_department(concern: Concern, title, body: str) -> None:
    """The concern's assignee, or every member of its department while nobody is assigned."""
    if concern.assignee_id is not None:
        users = [concern.assignee]
    else:
        users = [
            membership.user
            for membership in Membership.objects.filter(
                organisation_id=concern.organisation_id
            ).select_related("user")
        ]
    url = link("concerns:office-detail", concern.service_request_id)
    notify_many(users, DEPARTMENT, title, body, url)


def tell_department_admins(organisation, title, body: str) -> int:
    admins = [
        membership.user
        for membership in Membership.objects.filter(
            organisation=organisation, role=Membership.Role.ADMIN
        ).select_related("user")
    ]
    notify_many(admins, ESCALATION, title, body, link("concerns:inbox"))
    return len(admins)
