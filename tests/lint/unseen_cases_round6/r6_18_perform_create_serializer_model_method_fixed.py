# expect: none
# fixed shape: the model method defers the push until the outermost commit
from functools import partial

import requests
from django.db import models, transaction
from rest_framework import generics, serializers

PUSH_URL = "https://push.example.invalid/v1/send"


class Invitation(models.Model):
    email = models.EmailField()
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE)

    def notify_invitee(self):
        payload = {"to": self.email, "team": self.team_id}
        transaction.on_commit(partial(requests.post, PUSH_URL, json=payload, timeout=5))


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["email", "team"]

    def create(self, validated_data):
        invitation = Invitation.objects.create(**validated_data)
        invitation.notify_invitee()
        return invitation


class InvitationCreate(generics.CreateAPIView):
    serializer_class = InvitationSerializer

    @transaction.atomic
    def perform_create(self, serializer):
        invitation = serializer.save(invited_by=self.request.user)
        invitation.team.audit_entries.create(action="invited")
