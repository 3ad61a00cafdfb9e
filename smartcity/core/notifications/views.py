from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from smartcity.core.notifications import services
from smartcity.core.notifications.forms import PreferencesForm
from smartcity.core.notifications.models import Notification, PushSubscription
from smartcity.core.notifications.topics import all_topics
from smartcity.core.notifications.vapid import vapid_keys

PAGE_SIZE = 20


def _page_number(request) -> int:
    raw = request.POST.get("page") or request.GET.get("page") or "1"
    return int(raw) if raw.isdigit() and 0 < int(raw) < 10**6 else 1


def _inbox_context(request) -> dict:
    page = Paginator(services.inbox(request.user), PAGE_SIZE).get_page(_page_number(request))
    labels = {topic.slug: topic.label for topic in all_topics()}
    page.object_list = list(page.object_list)
    for notification in page.object_list:
        notification.topic_label = labels.get(notification.topic, notification.topic)
    return {"page_obj": page, "unread": services.unread_count(request.user)}


def _back_to_inbox(request):
    page = _page_number(request)
    url = reverse("notifications:inbox")
    return redirect(f"{url}?page={page}" if page > 1 else url)


@login_required
@require_GET
def inbox(request):
    return render(request, "notifications/inbox.html", _inbox_context(request))


@login_required
@require_GET
def open_notification(request, pk: int):
    """Follow a message's link (from the inbox or a push notification) and mark it read."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_read(request.user, [notification.pk])
    return redirect(notification.url or reverse("notifications:inbox"))


@login_required
@require_POST
def mark_read(request, pk: int):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_read(request.user, [notification.pk])
    if request.htmx:
        notification.refresh_from_db()
        labels = {topic.slug: topic.label for topic in all_topics()}
        notification.topic_label = labels.get(notification.topic, notification.topic)
        context = {
            "notification": notification,
            "page_number": _page_number(request),
            "unread": services.unread_count(request.user),
            "oob": True,
        }
        return render(request, "notifications/_item_response.html", context)
    messages.success(request, _("The message has been marked as read."))
    return _back_to_inbox(request)


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_read(request.user, services.ALL)
    if request.htmx:
        return render(request, "notifications/_inbox.html", _inbox_context(request))
    if count:
        messages.success(request, _("All messages have been marked as read."))
    return _back_to_inbox(request)


def _public_key() -> str:
    try:
        return vapid_keys().public_key
    except ImproperlyConfigured:
        return ""


@login_required
def preferences(request):
    topics = services.topics_for(request.user)
    current = services.preferences(request.user)
    form = PreferencesForm(topics, current, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.set_preferences(request.user, form.choices())
        messages.success(request, _("Your notification settings have been saved."))
        return redirect("notifications:settings")
    context = {
        "form": form,
        "rows": form.rows(),
        "vapid_public_key": _public_key(),
        "subscriptions": PushSubscription.objects.filter(user=request.user),
    }
    return render(request, "notifications/settings.html", context)


@login_required
@require_POST
def remove_subscription(request, pk: int):
    if services.remove_subscription(request.user, pk):
        messages.success(request, _("This browser no longer receives push notifications."))
    else:
        messages.error(request, _("This browser was already removed."))
    return redirect("notifications:settings")


@require_GET
def service_worker(request):
    """The service worker, served from here so that its scope can be the whole site."""
    script = render_to_string("notifications/sw.js", {"inbox_url": reverse("notifications:inbox")})
    response = HttpResponse(script, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    # Browsers must see a new worker at once rather than a cached copy.
    response["Cache-Control"] = "no-cache"
    return response
