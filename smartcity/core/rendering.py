from django.shortcuts import render


def render_form(request, template: str, form, context: dict | None = None):
    """Render a page with a form; an invalid submission answers 400, not 200."""
    status = 400 if request.method == "POST" and form.is_bound and form.errors else 200
    return render(request, template, {"form": form, **(context or {})}, status=status)
