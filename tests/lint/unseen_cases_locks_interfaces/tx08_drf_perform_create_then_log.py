# expect: forgotten-transaction
# pattern: a DRF viewset saves the comment and then bumps the post's comment count in a
#          second autocommit write; a failure between them leaves the count wrong
from django.db.models import F
from rest_framework import viewsets

from blog.models import Comment, Post
from blog.serializers import CommentSerializer


class CommentViewSet(viewsets.ModelViewSet):
    queryset = Comment.objects.all()
    serializer_class = CommentSerializer

    def perform_create(self, serializer):
        comment = serializer.save(author=self.request.user)  # expect-line
        Post.objects.filter(pk=comment.post_id).update(comment_count=F("comment_count") + 1)
