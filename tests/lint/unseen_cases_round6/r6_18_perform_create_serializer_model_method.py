# expect: side-effect-in-transaction
# pattern: @atomic perform_create() -> serializer.save() -> the serializer's create() ->
#          a model method that calls a push gateway over HTTP
import requests
from django.db import models, transaction
from rest_framework import generics, serializers

PUSH_URL = "https://push.example.invalid/v1/send"


class Invitation(models.Model):
    email = models.EmailField()
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE)

    def notify_invitee(self):
        requests.post(PUSH_URL, json={"to": self.email, "team": self.team_id}, timeout=5)  # expect-line


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
        invitation = serializer.save(invited_by=self.request.user)  # via-indirection
        invitation.team.audit_entries.create(action="invited")
