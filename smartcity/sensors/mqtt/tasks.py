"""Background work of the MQTT extension (django-tasks)."""

from django_tasks import task

from smartcity.sensors.mqtt import publish


@task()
def publish_changes_task(changes: list) -> dict:
    """Publish entity changes ``[[entity set, id, document before or null], ...]`` to the
    broker after their write committed; returns message counts."""
    return publish.publish_changes(changes)
