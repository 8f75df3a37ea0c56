# expect: missing-lock
# pattern: the download counter is read, then written back through update() with the
#          value computed in Python; two concurrent downloads both write n + 1
from django.http import FileResponse
from django.shortcuts import get_object_or_404

from releases.models import Release


def download(request, release_id):
    release = get_object_or_404(Release, pk=release_id)  # expect-line
    Release.objects.filter(pk=release_id).update(downloads=release.downloads + 1)
    return FileResponse(release.artifact.open("rb"), as_attachment=True)
