from django.http import JsonResponse


def preferences(request, site):
    profile, _ = request.user.profile_set.get_or_create(site=site)
    return JsonResponse({"theme": profile.theme})
