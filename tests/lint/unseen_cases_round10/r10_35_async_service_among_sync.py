# expect: non-uniform-interface
# pattern: in a synchronous services module one service's execute() is async def, so a
#          caller that uses it like its siblings gets a coroutine and no loans
from library.errors import NotFound
from library.models import Book, Loan, Member


class BookLookupService:
    def execute(self, isbn: str) -> Book:
        book = Book.objects.filter(isbn=isbn).first()
        if book is None:
            raise NotFound(f"book {isbn}")
        return book


class MemberLookupService:
    def execute(self, card_number: str) -> Member:
        member = Member.objects.filter(card_number=card_number).first()
        if member is None:
            raise NotFound(f"member card {card_number}")
        return member


class LoanHistoryService:
    async def execute(self, member_id: int) -> list[Loan]:  # expect-line
        return [loan async for loan in Loan.objects.filter(member_id=member_id).order_by("-started_at")]
