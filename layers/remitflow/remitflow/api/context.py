"""The services the routes call, handed to them through the resolver's context.

The handler makes one `Services` per sandbox and appends it to the context of every request; each
service is built on first use, so a request builds only what it needs and nothing is built at import.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from aws_lambda_powertools.event_handler.api_gateway import Router

from remitflow import runtime
from remitflow.settings import Settings

if TYPE_CHECKING:  # each service's module loads when the service is first built (runtime)
    from remitflow.services.accounts import ClaimBook
    from remitflow.services.deposit_view import DepositView
    from remitflow.services.era_view import EraView
    from remitflow.services.exports import Exports
    from remitflow.services.manual_recon import ManualReconciliation
    from remitflow.services.search import Search
    from remitflow.services.worklist import Worklist


class Services:
    @cached_property
    def settings(self) -> Settings:
        return Settings()

    @cached_property
    def worklist(self) -> Worklist:
        return runtime.worklist(self.settings)

    @cached_property
    def manual_recon(self) -> ManualReconciliation:
        return runtime.manual_reconciliation(self.settings)

    @cached_property
    def stores(self) -> runtime.Stores:
        return runtime.Stores.create(self.settings)

    @cached_property
    def search(self) -> Search:
        return runtime.search(self.settings, self.stores)

    @cached_property
    def claim_book(self) -> ClaimBook:
        return runtime.claim_book(self.settings, self.stores)

    @cached_property
    def eras(self) -> EraView:
        return runtime.era_view(self.settings)

    @cached_property
    def deposits(self) -> DepositView:
        return runtime.deposit_view(self.settings)

    @cached_property
    def exports(self) -> Exports:
        return runtime.exports(self.settings)


def services(router: Router) -> Services:
    found: Services = router.context["services"]
    return found
