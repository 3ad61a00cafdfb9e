from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from smartcity.core.geography import services
from smartcity.core.geography.forms import PointLookupForm


def area_list(request):
    """Map and table of all areas, with a form that finds the district of a point."""
    bound = "lon" in request.GET or "lat" in request.GET
    form = PointLookupForm(request.GET if bound else None)
    found, status = None, 200
    if bound and not form.is_valid():
        status = 400
    elif bound:
        lon, lat = form.cleaned_data["lon"], form.cleaned_data["lat"]
        found = services.area_at(lon, lat)
        if found is None and services.is_in_city(lon, lat):
            form.add_error(None, _("This point lies in Dresden, but in no district on record."))
        elif found is None:
            form.add_error(None, _("This point lies outside the city of Dresden."))
    areas = services.list_areas()
    context = {
        "areas": areas,
        "areas_geojson": services.area_feature_collection(areas),
        "has_demo": any(area.is_demo for area in areas),
        "form": form,
        "found": found,
    }
    return render(request, "geography/area_list.html", context, status=status)


def area_detail(request, slug):
    area = services.area_by_slug(slug)
    if area is None:
        raise Http404(_("There is no area with this address."))
    context = {
        "area": area,
        "area_geojson": services.area_feature_collection([area]),
        "city": services.city_boundary() if area.kind != area.Kind.CITY else None,
    }
    return render(request, "geography/area_detail.html", context)
