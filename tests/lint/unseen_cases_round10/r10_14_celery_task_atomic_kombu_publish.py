# expect: side-effect-in-transaction
# pattern: the body of a Celery task is itself @transaction.atomic and publishes an event
#          with a kombu producer before the task's transaction commits
from celery import current_app, shared_task
from django.db import transaction
from kombu import Exchange

from auctions.models import Auction

auction_events = Exchange("auction-events", type="topic", durable=True)


@shared_task(acks_late=True)
@transaction.atomic
def close_auction(auction_id):
    auction = Auction.objects.select_for_update().get(pk=auction_id)
    winning_bid = auction.bids.order_by("-amount").first()
    auction.state = "closed"
    auction.winner_id = winning_bid.bidder_id if winning_bid else None
    auction.save(update_fields=["state", "winner"])
    with current_app.producer_pool.acquire(block=True) as producer:
        producer.publish(  # expect-line
            {"auction": auction.pk, "winner": auction.winner_id},
            exchange=auction_events,
            routing_key="auction.closed",
            declare=[auction_events],
        )
    auction.bids.exclude(bidder_id=auction.winner_id).update(state="lost")
