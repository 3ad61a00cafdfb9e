"""Opting models into the audit log.

``register(Model)`` connects signal handlers that record every create, update and delete
made by staff (organisation members and platform admins), with field values before and
after. Writes by citizens on their own data and by the system are not staff writes and
are not recorded, so the log holds no citizen's personal data by default.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save, pre_save

from smartcity.core.audit.context import current_actor, current_request_path
from smartcity.core.audit.models import AuditEntry
from smartcity.core.permissions import is_city_staff

MASKED = "••••"
MASKED_CHANGED = "•••• (changed)"
_registered: dict[type, dict] = {}


def snapshot(instance, exclude=(), masked=()) -> dict:
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = field.value_from_object(instance)
        if field.name in masked and value:
            values[field.name] = MASKED
        else:
            values[field.name] = None if value is None else field.value_to_string(instance)
    return values


def record(
    action: str,
    instance,
    before: dict | None,
    after: dict | None,
    actor=None,
    actor_label: str | None = None,
):
    """Write one audit entry; services call this for writes that are not model saves.

    ``actor_label`` names a non-person actor, such as a sensor token, when there is no user.
    """
    actor = actor if actor is not None else current_actor()
    if actor_label is None:
        actor_label = actor.email if actor is not None else "system"
    return AuditEntry.objects.create(
        actor=actor,
        actor_label=actor_label,
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
        request_path=current_request_path(),
    )


def _options(sender):
    return _registered[sender]


def _remember_before(sender, instance, raw=False, **kwargs):
    if raw or not is_city_staff(current_actor()):
        return
    previous = sender._default_manager.filter(pk=instance.pk).first() if instance.pk else None
    instance._audit_before = snapshot(previous, **_options(sender)) if previous else None
    instance._audit_masked_changed = [
        name
        for name in _options(sender)["masked"]
        if previous is not None and getattr(previous, name) != getattr(instance, name)
    ]


def _record_save(sender, instance, created, raw=False, **kwargs):
    if raw or not is_city_staff(current_actor()):
        return
    before = getattr(instance, "_audit_before", None)
    after = snapshot(instance, **_options(sender))
    # A masked value is never shown, but its change must still be visible in the log.
    for name in getattr(instance, "_audit_masked_changed", ()):
        after[name] = MASKED_CHANGED
    if not created and before == after:
        return
    action = AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE
    record(action, instance, None if created else before, after)


def _record_delete(sender, instance, **kwargs):
    if not is_city_staff(current_actor()):
        return
    record(AuditEntry.Action.DELETE, instance, snapshot(instance, **_options(sender)), None)


def register(model, *, exclude=(), masked=()):
    """Record staff writes to ``model``; ``masked`` fields are logged as changed, not shown."""
    _registered[model] = {"exclude": tuple(exclude), "masked": tuple(masked)}
    uid = f"audit-{model._meta.label}"
    pre_save.connect(_remember_before, sender=model, dispatch_uid=uid, weak=False)
    post_save.connect(_record_save, sender=model, dispatch_uid=uid, weak=False)
    post_delete.connect(_record_delete, sender=model, dispatch_uid=uid, weak=False)
    return model
