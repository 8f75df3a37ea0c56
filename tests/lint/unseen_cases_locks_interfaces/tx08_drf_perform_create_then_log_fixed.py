# expect: none
# fixed shape for tx08: the comment and the count commit together
from django.db import transaction
from django.db.models import F
from rest_framework import viewsets

from blog.models import Comment, Post
from blog.serializers import CommentSerializer


class CommentViewSet(viewsets.ModelViewSet):
    queryset = Comment.objects.all()
    serializer_class = CommentSerializer

    @transaction.atomic
    def perform_create(self, serializer):
        comment = serializer.save(author=self.request.user)
        Post.objects.filter(pk=comment.post_id).update(comment_count=F("comment_count") + 1)
