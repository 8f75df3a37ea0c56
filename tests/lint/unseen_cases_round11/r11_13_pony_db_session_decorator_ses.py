# expect: side-effect-in-transaction
# pattern: Pony ORM's @db_session writes the new objects and commits when the function
#          returns. The SES welcome mail is sent before that, so an address that violates
#          the unique index at the COMMIT leaves a welcome mail for a member who was
#          never stored.
import boto3
from pony.orm import db_session

from club.models import Club, Member, MembershipFee

ses = boto3.client("ses", region_name="eu-west-1")


@db_session
def register_member(club_id, email, name):
    club = Club[club_id]
    member = Member(club=club, email=email, name=name)
    MembershipFee(member=member, amount=club.yearly_fee)
    ses.send_email(  # expect-line
        Source="members@example.org",
        Destination={"ToAddresses": [email]},
        Message={"Subject": {"Data": f"Welcome to {club.name}"}, "Body": {"Text": {"Data": f"Hello {name}!"}}},
    )
