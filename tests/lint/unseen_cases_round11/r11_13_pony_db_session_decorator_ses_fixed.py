# expect: none
# fixed shape: the writes run in a "with db_session:" block, and the mail is sent after
#              that block has committed
import boto3
from pony.orm import db_session

from club.models import Club, Member, MembershipFee

ses = boto3.client("ses", region_name="eu-west-1")


def register_member(club_id, email, name):
    with db_session:
        club = Club[club_id]
        club_name = club.name
        member = Member(club=club, email=email, name=name)
        MembershipFee(member=member, amount=club.yearly_fee)
    ses.send_email(
        Source="members@example.org",
        Destination={"ToAddresses": [email]},
        Message={"Subject": {"Data": f"Welcome to {club_name}"}, "Body": {"Text": {"Data": f"Hello {name}!"}}},
    )
