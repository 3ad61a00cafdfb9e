"""Citizen concerns (Bürgeranliegen): the catalogue, routing, the reports and their history.

The catalogue is a set of categories, each an Open311 GeoReport v2 *service* with extra
questions (attributes), a target time, response templates and optionally its own workflow.
A routing table names the responsible organisation per category and district. A concern is
one report; every change to it is a :class:`ConcernEvent`, public (its history) or internal.

Target times (SLA) are whole calendar hours from submission: hazards such as flooding or a
dead traffic light count at weekends too, and departments' working calendars differ, so a
calendar duration is the one rule every department and every Open311 client can check.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smartcity.concerns import attributes, workflow
from smartcity.core.accounts.models import Organisation
from smartcity.core.geography.models import Area
from smartcity.core.uploads.models import ImageUpload

MAX_PHOTOS = 3
DESCRIPTION_MAX_LENGTH = 5000
NOTE_MAX_LENGTH = 5000
# Longest target time: a year. Longer is not a promise, it is a backlog.
TARGET_HOURS_MAX = 24 * 365
# A hidden location is shown rounded to 3 decimals: about 110 m north-south, 70 m east-west.
HIDDEN_LOCATION_DECIMALS = 3


class State(models.TextChoices):
    SUBMITTED = workflow.SUBMITTED, _("submitted")
    OPEN = workflow.OPEN, _("open")
    IN_PROGRESS = workflow.IN_PROGRESS, _("in progress")
    PLANNED = workflow.PLANNED, _("planned")
    FIXED = workflow.FIXED, _("fixed")
    DUPLICATE = workflow.DUPLICATE, _("duplicate")
    NOT_RESPONSIBLE = workflow.NOT_RESPONSIBLE, _("not responsible")
    REJECTED = workflow.REJECTED, _("rejected")
    REOPENED = workflow.REOPENED, _("reopened")


def rounded_place(lat: float, lon: float) -> tuple[float, float]:
    """A place rounded so that it marks no single house: where staff hid the exact place,
    and in the open data."""
    return round(lat, HIDDEN_LOCATION_DECIMALS), round(lon, HIDDEN_LOCATION_DECIMALS)


def link(url_name: str, *args) -> str:
    """A page's path, or "" where the app's web pages are not installed (an API-only site):
    services build notification links with it and must work without the web layer."""
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return ""


class Category(models.Model):
    """A kind of concern: one Open311 service of the catalogue."""

    service_code = models.SlugField(
        _("service code"),
        max_length=50,
        unique=True,
        help_text=_("Open311 service code: letters, digits and hyphens; stable once published."),
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    group = models.CharField(_("group"), max_length=100, blank=True)
    keywords = models.CharField(
        _("keywords"), max_length=300, blank=True, help_text=_("Separated by commas.")
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active categories accept new concerns.")
    )
    target_hours = models.PositiveIntegerField(
        _("target time in hours"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(TARGET_HOURS_MAX)],
        help_text=_("Calendar hours from submission to fixed; empty means no target time."),
    )
    transitions = models.JSONField(
        _("workflow"),
        default=list,
        blank=True,
        help_text=_(
            'Allowed transitions as [{"from": "open", "to": "fixed", "public_note": false}, …]; '
            "empty means the default workflow."
        ),
    )
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Created by the demo data.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("concern category")
        verbose_name_plural = _("concern categories")
        ordering = ["group", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        try:
            workflow.Workflow.from_config(self.transitions)
        except workflow.WorkflowConfigError as error:
            raise ValidationError({"transitions": str(error)}) from error

    def get_workflow(self) -> workflow.Workflow:
        return workflow.Workflow.from_config(self.transitions)

    @property
    def target_time(self) -> timedelta | None:
        return None if self.target_hours is None else timedelta(hours=self.target_hours)

    def due_from(self, start: datetime) -> datetime | None:
        """When a concern submitted (or reopened) at ``start`` is due; None without a
        target time."""
        target = self.target_time
        return None if target is None else start + target

    def attribute_specs(self) -> list[attributes.AttributeSpec]:
        return [attribute.spec() for attribute in self.attributes.all()]


class CategoryAttribute(models.Model):
    """An extra question of a category (an Open311 service attribute)."""

    class Datatype(models.TextChoices):
        STRING = attributes.STRING, _("short text")
        NUMBER = attributes.NUMBER, _("number")
        DATETIME = attributes.DATETIME, _("date and time")
        TEXT = attributes.TEXT, _("long text")
        SINGLEVALUELIST = attributes.SINGLEVALUELIST, _("choice of one")
        MULTIVALUELIST = attributes.MULTIVALUELIST, _("choice of several")

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="attributes"
    )
    code = models.SlugField(_("code"), max_length=50)
    datatype = models.CharField(_("data type"), max_length=20, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    variable = models.BooleanField(
        _("asks for an answer"),
        default=True,
        help_text=_("Off for an informational note that takes no answer."),
    )
    description = models.CharField(
        _("question"), max_length=300, help_text=_("The question or prompt the reporter sees.")
    )
    datatype_description = models.CharField(
        _("hint"), max_length=200, blank=True, help_text=_("How to answer, e.g. the unit.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    values = models.JSONField(
        _("values"),
        default=list,
        blank=True,
        help_text=_('For choices: [{"key": "gross", "name": "größer als ein Teller"}, …].'),
    )

    class Meta:
        verbose_name = _("category attribute")
        verbose_name_plural = _("category attributes")
        ordering = ["category", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="concerns_unique_attribute")
        ]

    def __str__(self):
        return f"{self.category.service_code}/{self.code}"

    def clean(self):
        super().clean()
        try:
            attributes.parse_value_list(self.datatype, self.values)
        except ValueError as error:
            raise ValidationError({"values": str(error)}) from error

    def spec(self) -> attributes.AttributeSpec:
        return attributes.AttributeSpec(
            code=self.code,
            datatype=self.datatype,
            required=self.required,
            values=attributes.parse_value_list(self.datatype, self.values),
            variable=self.variable,
        )


class ResponseTemplate(models.Model):
    """A prepared public note staff pick when they answer a concern of the category."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="response_templates",
    )
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("text"), max_length=NOTE_MAX_LENGTH)
    state = models.CharField(
        _("for state"),
        max_length=20,
        choices=State.choices,
        blank=True,
        help_text=_("Offered when changing to this state; empty: offered always."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        ordering = ["category", "order", "title"]

    def __str__(self):
        return self.title


class RoutingRule(models.Model):
    """Who handles a category in a district; a rule without district covers the whole city."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="routing_rules",
    )
    # Deleting a district (a new official import) drops its rules; the city-wide rule remains.
    area = models.ForeignKey(
        Area,
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind__in": [Area.Kind.STADTBEZIRK, Area.Kind.ORTSCHAFT]},
        help_text=_("Empty: the whole city, wherever no district rule applies."),
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category", "area__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "area"],
                condition=Q(area__isnull=False),
                name="concerns_unique_district_route",
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(area__isnull=True),
                name="concerns_unique_citywide_route",
            ),
        ]

    def __str__(self):
        where = self.area.name if self.area_id else _("whole city")
        return f"{self.category} · {where} → {self.organisation}"


def new_service_request_id() -> str:
    """A public id such as ``K7QM-3XD2``: easy to read out on the phone (no 0/O, 1/I), and
    random, so that ids reveal neither the number of reports nor unpublished ones."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    code = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


class ConcernQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def open(self):
        return self.exclude(state__in=workflow.CLOSED_STATES)

    def closed(self):
        return self.filter(state__in=workflow.CLOSED_STATES)

    def overdue(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())


class Concern(models.Model):
    """One citizen's report (an Open311 service request)."""

    class Channel(models.TextChoices):
        WEB = "web", _("website")
        API = "open311", _("Open311 client")
        STAFF = "staff", _("recorded by staff")

    service_request_id = models.CharField(
        _("concern number"), max_length=20, unique=True, editable=False
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="concerns"
    )
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    area = models.ForeignKey(
        Area,
        verbose_name=_("district"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH)
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    channel = models.CharField(
        _("received through"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )

    # Contact data: never public; seen by the responsible department and platform admins.
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_concerns",
    )

    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_concerns",
    )
    forwarded_to = models.CharField(
        _("handed over to"),
        max_length=200,
        blank=True,
        help_text=_("The external body responsible, for concerns the city is not responsible for."),
    )
    forward_count = models.PositiveSmallIntegerField(
        _("times forwarded"), default=0, editable=False
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )

    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    first_assigned_at = models.DateTimeField(_("first assigned"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    # Moderation: public only once published; a withheld concern is never published
    # automatically (a staff member objected).
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    publication_withheld = models.BooleanField(_("publication withheld"), default=False)
    text_hidden = models.BooleanField(_("description hidden"), default=False)
    photos_hidden = models.BooleanField(_("photos hidden"), default=False)
    personal_data_hidden = models.BooleanField(
        _("address hidden"),
        default=False,
        help_text=_("The public sees neither the address nor the exact location."),
    )

    # The reporter's answer to "Is it fixed?", asked some weeks after fixing.
    fix_question_sent_at = models.DateTimeField(_("asked whether fixed"), null=True, blank=True)
    fix_confirmed = models.BooleanField(_("reporter confirmed fixed"), null=True, blank=True)

    idempotency_key = models.CharField(
        _("submission key"), max_length=64, blank=True, editable=False
    )
    anonymised_at = models.DateTimeField(_("contact data erased"), null=True, blank=True)
    is_demo = models.BooleanField(
        _("demo data"), default=False, help_text=_("Created by the demo data.")
    )

    objects = ConcernQuerySet.as_manager()

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "organisation"], name="concerns_inbox"),
            models.Index(fields=["category", "submitted_at"], name="concerns_by_category"),
            models.Index(fields=["published_at"], name="concerns_published"),
            models.Index(fields=["updated_at"], name="concerns_updated"),
            models.Index(fields=["due_at"], name="concerns_due"),
            models.Index(fields=["lat", "lon"], name="concerns_location"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="concerns_unique_idempotency_key",
            ),
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="concerns_location_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.service_request_id} {self.category.name}"

    def save(self, *args, **kwargs):
        if not self.service_request_id:
            self.service_request_id = new_service_request_id()
            while Concern.objects.filter(service_request_id=self.service_request_id).exists():
                self.service_request_id = new_service_request_id()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return link("concerns:detail", self.service_request_id)

    @property
    def is_closed(self) -> bool:
        return workflow.is_closed(self.state)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def is_overdue(self, now=None) -> bool:
        return (
            not self.is_closed and self.due_at is not None and self.due_at < (now or timezone.now())
        )

    @property
    def open311_status(self) -> str:
        return workflow.open311_status(self.state)

    # What the public sees, after moderation.
    @property
    def public_description(self) -> str:
        return "" if self.text_hidden else self.description

    @property
    def public_address(self) -> str:
        return "" if self.personal_data_hidden else self.address

    @property
    def public_location(self) -> tuple[float, float]:
        """(lat, lon), rounded where staff hid the exact place."""
        if self.personal_data_hidden:
            return rounded_place(self.lat, self.lon)
        return self.lat, self.lon

    def public_photos(self) -> list["ConcernPhoto"]:
        return [] if self.photos_hidden else list(self.photos.select_related("image"))


class ConcernPhoto(models.Model):
    """One of at most three photos of a concern, stored cleaned by core uploads."""

    concern = models.ForeignKey(
        Concern, verbose_name=_("concern"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.OneToOneField(
        ImageUpload, verbose_name=_("image"), on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("concern photo")
        verbose_name_plural = _("concern photos")
        ordering = ["concern", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["concern", "position"], name="concerns_unique_photo_position"
            )
        ]

    def __str__(self):
        return f"{self.concern.service_request_id} #{self.position}"


class ConcernEvent(models.Model):
    """One entry of a concern's history: public (its timeline) or internal (staff only)."""

    class Kind(models.TextChoices):
        STATE_CHANGE = "state", _("state changed")
        PUBLIC_NOTE = "public_note", _("public note")
        INTERNAL_NOTE = "internal_note", _("internal note")
        ASSIGNMENT = "assignment", _("assigned")
        FORWARDING = "forwarding", _("forwarded")
        MERGE = "merge", _("merged")
        MODERATION = "moderation", _("moderation")
        ESCALATION = "escalation", _("escalated")
        ANONYMISATION = "anonymisation", _("contact data erased")
        FEEDBACK = "feedback", _("reporter's feedback")

    concern = models.ForeignKey(
        Concern, verbose_name=_("concern"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The public history names the department that acted, never the staff member.
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("text"), blank=True, max_length=NOTE_MAX_LENGTH)
    is_public = models.BooleanField(_("public"), default=False)
    from_state = models.CharField(_("from state"), max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(_("to state"), max_length=20, choices=State.choices, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("concern event")
        verbose_name_plural = _("concern events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["concern", "is_public"], name="concerns_history")]

    def __str__(self):
        return f"{self.concern.service_request_id}: {self.get_kind_display()}"


class Follow(models.Model):
    """A user follows one concern or every concern published in an area."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="concern_follows",
    )
    concern = models.ForeignKey(
        Concern,
        verbose_name=_("concern"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follows",
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(concern__isnull=False, area__isnull=True)
                | Q(concern__isnull=True, area__isnull=False),
                name="concerns_follow_one_thing",
            ),
            models.UniqueConstraint(
                fields=["user", "concern"],
                condition=Q(concern__isnull=False),
                name="concerns_unique_concern_follow",
            ),
            models.UniqueConstraint(
                fields=["user", "area"],
                condition=Q(area__isnull=False),
                name="concerns_unique_area_follow",
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.concern or self.area}"


# The Open311 API's models live beside its code; importing them here makes them part of
# this app (and its migrations).
from smartcity.concerns.open311.models import ApiKey, RequestToken  # noqa: E402, F401
