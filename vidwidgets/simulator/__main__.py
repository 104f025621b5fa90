"""Run the simulator from a shell.

    python -m vidwidgets.simulator --host 127.0.0.1 --port 8088 --dialect newapi --speed 10

Prints the base URL and the API key, then serves until Ctrl-C (SIGINT) or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from vidwidgets.simulator._simulator import Simulator
from vidwidgets.simulator._tables import DIALECTS, GATEWAY_BUILDS


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m vidwidgets.simulator",
        description="A local simulator of the 88API / new-api / OpenAI video APIs.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback)")
    p.add_argument("--port", type=int, default=8088, help="port (0: any free port)")
    p.add_argument("--dialect", choices=DIALECTS, default="newapi")
    p.add_argument("--api-key", default=None, help="key to accept (default: generated)")
    p.add_argument("--speed", type=float, default=1.0, help="lifecycle speed-up factor")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--failure-rate", type=float, default=0.0)
    p.add_argument("--refresh-period", type=float, default=15.0, help="newapi refresh loop (s)")
    p.add_argument("--expire-after", type=float, default=3600.0, help="video expiry (s)")
    p.add_argument("--video-scale", type=float, default=1.0)
    p.add_argument("--fps", type=int, default=24)
    p.add_argument("--max-in-flight", type=int, default=None)
    p.add_argument("--cdn-host", default=None, help="host name for video URLs")
    p.add_argument("--gateway-build", choices=GATEWAY_BUILDS, default="current")
    return p


async def _serve(args: argparse.Namespace) -> None:
    sim = Simulator(
        dialect=args.dialect,
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        seed=args.seed,
        speed=args.speed,
        failure_rate=args.failure_rate,
        refresh_period=args.refresh_period,
        expire_after=args.expire_after,
        video_scale=args.video_scale,
        fps=args.fps,
        max_in_flight=args.max_in_flight,
        cdn_host=args.cdn_host,
        gateway_build=args.gateway_build,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with sim:
        print(f"vidwidgets simulator ({sim.dialect}) listening on {sim.base_url}", flush=True)
        print(f"base_url={sim.base_url}", flush=True)
        print(f"api_key={sim.api_key}", flush=True)
        if sim.cdn_base_url != sim.base_url:  # the plugin dialect's CDN has its own origin
            print(f"cdn_base_url={sim.cdn_base_url}", flush=True)
        await stop.wait()
        print("stopping", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the simulator until SIGINT or SIGTERM.

    Args:
        argv: the command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0, or 1 when the server cannot start.
    """
    args = _parser().parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
