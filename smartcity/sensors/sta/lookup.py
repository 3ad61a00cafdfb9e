"""Finding the entities a SensorThings request names: along its path, or by a client's id."""

from django.utils.translation import gettext as _

from smartcity.sensors.sta.calls import Problem
from smartcity.sensors.sta.entities import BY_MODEL, EntitySet
from smartcity.sensors.sta.paths import MAX_ID, ResourcePath
from smartcity.sensors.sta.query import visible


def existing(entity_set: EntitySet, key):
    """The entity a client names by ``key`` (``{"@iot.id": key}``), or None; any visibility."""
    if isinstance(key, bool) or not isinstance(key, int) or not 0 < key <= MAX_ID:
        return None
    return entity_set.model.objects.filter(pk=key).first()


def existing_many(entity_set: EntitySet, keys) -> dict:
    """The entities of a (Multi)Datastream set named by ``keys``, with their Things, by key;
    keys that are no ids or name nothing are left out."""
    valid = sorted(k for k in keys if type(k) is int and 0 < k <= MAX_ID)
    queryset = entity_set.model.objects.select_related("thing").filter(pk__in=valid)
    return {entity.pk: entity for entity in queryset} if valid else {}


def can_see(user, entity) -> bool:
    entity_set = BY_MODEL[type(entity)]
    queryset = entity_set.model.objects.filter(pk=entity.pk)
    return visible(queryset, entity_set, user).exists()


def resolve(path: ResourcePath, user, *, writing: bool):
    """Walk the path: ``(entities along it, target)``; the target is an entity or, for
    a collection, a queryset. Reading sees what ``visible`` allows ``user``; writing sees
    all, and ``authority.check`` then hides what the caller may neither see nor change."""
    chain = []
    current = None
    for index, step in enumerate(path.steps):
        entity_set = step.entity_set
        shown = "/".join(s.text for s in path.steps[: index + 1])
        navigation = step.navigation
        if navigation is not None and not navigation.to_many:
            entity = getattr(current, navigation.accessor)
            if entity is None or (not writing and not can_see(user, entity)):
                raise Problem(404, _("%(path)s does not exist") % {"path": shown})
            chain.append(entity)
            current = entity
            continue
        if navigation is None:
            queryset = entity_set.model.objects.all()
        else:
            queryset = getattr(current, navigation.accessor).all()
        if not writing:
            queryset = visible(queryset, entity_set, user)
        if step.key is None:
            return chain, queryset
        entity = queryset.filter(pk=step.key).first()
        if entity is None:
            raise Problem(404, _("%(path)s does not exist") % {"path": shown})
        chain.append(entity)
        current = entity
    return chain, current
