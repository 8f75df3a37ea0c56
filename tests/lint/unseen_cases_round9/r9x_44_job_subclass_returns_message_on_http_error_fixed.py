# expect: none
# fixed shape for r9x_44: PushContacts.run() raises SyncFailed like the other jobs
from abc import ABC, abstractmethod

import httpx


class SyncFailed(Exception):
    pass


class SyncJob(ABC):
    def __init__(self, client: httpx.AsyncClient, account_id: int) -> None:
        self.client = client
        self.account_id = account_id

    @abstractmethod
    async def run(self):
        """Sync one account and return the upstream ids; raise SyncFailed when it cannot."""


class PullDeals(SyncJob):
    async def run(self) -> list[str]:
        response = await self.client.get(f"/accounts/{self.account_id}/deals")
        if response.is_error:
            raise SyncFailed(f"pulling deals of {self.account_id} failed with HTTP {response.status_code}")
        return [deal["id"] for deal in response.json()]


class PullCompanies(SyncJob):
    async def run(self) -> list[str]:
        response = await self.client.get(f"/accounts/{self.account_id}/companies")
        if response.is_error:
            raise SyncFailed(f"pulling companies of {self.account_id} failed with HTTP {response.status_code}")
        return [company["id"] for company in response.json()]


class PushContacts(SyncJob):
    async def run(self) -> None:
        response = await self.client.post(f"/accounts/{self.account_id}/contacts/sync")
        if response.is_error:
            raise SyncFailed(f"pushing contacts of {self.account_id} failed with HTTP {response.status_code}")
