"""The set of proxies a server manages, with the create, populate and reset rules."""

import asyncio
import random
from collections.abc import Sequence

import structlog

from chaos.faultproxy.errors import ApiError
from chaos.faultproxy.models import ProxyConfig, ProxyPatch
from chaos.faultproxy.proxy import Proxy

log = structlog.get_logger(__name__)


class PopulateError(ApiError):
    """A populate that failed part way, with the proxies it created before the failure."""

    def __init__(self, error: ApiError, created: list[Proxy]) -> None:
        super().__init__(error.status, error.message)
        self.created = created


class ProxyCollection:
    """Proxies by name. A collection-wide lock serialises every change."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.proxies: dict[str, Proxy] = {}
        self._rng = rng or random.Random()
        self._lock = asyncio.Lock()

    def get(self, name: str) -> Proxy:
        """Return the proxy called ``name`` or raise a 404 ApiError."""
        proxy = self.proxies.get(name)
        if proxy is None:
            raise ApiError(404, f"proxy not found: {name!r}; list proxies with GET /proxies")

        return proxy

    async def create(self, config: ProxyConfig) -> Proxy:
        """Create a proxy and start it if ``enabled``. A taken name raises a 409 ApiError."""
        async with self._lock:
            return await self._create(config)

    async def update(self, name: str, patch: ProxyPatch) -> Proxy:
        """Apply a partial update. A new listen or upstream restarts the proxy."""
        async with self._lock:
            proxy = self.get(name)
            async with proxy.lock:
                listen = proxy.listen if patch.listen is None else patch.listen
                upstream = proxy.upstream if patch.upstream is None else patch.upstream
                enabled = proxy.enabled if patch.enabled is None else patch.enabled
                Proxy(name, listen, upstream, self._rng)  # validates both addresses

                if listen != proxy.listen or upstream != proxy.upstream:
                    was_enabled = proxy.enabled
                    await proxy.stop()
                    proxy.listen = listen
                    proxy.upstream = upstream
                    log.info("proxy_restarting", proxy=name, listen=listen, upstream=upstream)
                    if was_enabled and enabled:
                        await proxy.start()

                if enabled and not proxy.enabled:
                    await proxy.start()
                elif not enabled and proxy.enabled:
                    await proxy.stop()

                return proxy

    async def delete(self, name: str) -> None:
        """Stop a proxy, close its connections and forget it."""
        async with self._lock:
            proxy = self.get(name)
            async with proxy.lock:
                await proxy.stop()
            del self.proxies[name]
            log.info("proxy_deleted", proxy=name)

    async def populate(self, configs: Sequence[ProxyConfig]) -> list[Proxy]:
        """Create or replace each proxy, keeping an unchanged one (same listen and upstream).

        On failure, raise PopulateError carrying the proxies handled before the failing one.
        """
        async with self._lock:
            handled: list[Proxy] = []
            for config in configs:
                existing = self.proxies.get(config.name)
                unchanged = (
                    existing is not None
                    and existing.listen == config.listen
                    and existing.upstream == config.upstream
                )
                if existing is not None and unchanged:
                    handled.append(existing)
                    continue

                try:
                    if existing is not None:
                        async with existing.lock:
                            await existing.stop()
                        del self.proxies[config.name]

                    handled.append(await self._create(config))
                except ApiError as error:
                    raise PopulateError(error, handled) from None

            return handled

    async def reset(self) -> None:
        """Enable every proxy and remove every toxic, keeping the proxies."""
        async with self._lock:
            for proxy in self.proxies.values():
                async with proxy.lock:
                    await proxy.remove_all_toxics()
                    await proxy.start()

            log.info("proxies_reset", proxies=len(self.proxies))

    async def close_all(self) -> None:
        """Stop every proxy (server shutdown)."""
        async with self._lock:
            for proxy in self.proxies.values():
                async with proxy.lock:
                    await proxy.stop()

    async def _create(self, config: ProxyConfig) -> Proxy:
        if config.name in self.proxies:
            raise ApiError(409, f"proxy already exists: {config.name!r}; delete it or pick a name")

        proxy = Proxy(config.name, config.listen, config.upstream, self._rng)
        if config.enabled:
            await proxy.start()

        self.proxies[config.name] = proxy
        log.info("proxy_created", proxy=config.name, enabled=config.enabled)
        return proxy
