# expect: none
# fixed shape: the three writes share one transaction
from django.db import transaction
from django.shortcuts import redirect, render

from blog.forms import PostForm
from blog.models import Activity


def new_post(request):
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            post = form.save(commit=False)
            post.author = request.user
            post.save()
            form.save_m2m()
            Activity.objects.create(actor=request.user, verb="posted", target_id=post.pk)
        return redirect(post)
    return render(request, "blog/new_post.html", {"form": form})
