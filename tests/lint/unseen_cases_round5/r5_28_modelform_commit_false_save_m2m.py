# expect: forgotten-transaction
# pattern: view saves a form with commit=False, saves the row, its many-to-many links and
#          an activity entry, each in autocommit; a failure leaves a post without tags
from django.shortcuts import redirect, render

from blog.forms import PostForm
from blog.models import Activity


def new_post(request):
    form = PostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        post = form.save(commit=False)
        post.author = request.user
        post.save()  # expect-line
        form.save_m2m()
        Activity.objects.create(actor=request.user, verb="posted", target_id=post.pk)
        return redirect(post)
    return render(request, "blog/new_post.html", {"form": form})
