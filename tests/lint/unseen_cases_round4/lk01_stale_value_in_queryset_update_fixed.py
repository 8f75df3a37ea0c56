# expect: none
# fixed shape: the database increments the column with F()
from django.db.models import F
from django.http import FileResponse
from django.shortcuts import get_object_or_404

from releases.models import Release


def download(request, release_id):
    release = get_object_or_404(Release, pk=release_id)
    Release.objects.filter(pk=release_id).update(downloads=F("downloads") + 1)
    return FileResponse(release.artifact.open("rb"), as_attachment=True)
