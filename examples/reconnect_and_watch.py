"""Watch events for as long as the process runs, through drops and restarts.

The client reconnects by itself (forever: max_retries=None), authenticates
again, restores the subscriptions, and says when events may have been missed.
Runs for MEDIAMTX_EXAMPLE_SECONDS seconds (default: until Ctrl-C).
"""

import os

import anyio

from mediamtx_camera_sdk import CameraClient


async def main():
    client = CameraClient(max_retries=None, retry_delay=0.5)
    client.on_connection_lost = lambda: print("connection lost; reconnecting...", flush=True)
    client.on_reconnected = lambda: print("reconnected", flush=True)
    seconds = float(os.environ.get("MEDIAMTX_EXAMPLE_SECONDS", "inf"))
    async with client:
        if client.dialect == "current":
            await client.subscribe_events(["camera.connected", "camera.disconnected"])
        print("watching...", flush=True)
        with anyio.move_on_after(seconds):
            async for event in client.events():
                if event.method == "sdk.events_missed":
                    print("events may have been missed while disconnected; resynced")
                else:
                    print(f"{event.method}: {dict(event.params)}", flush=True)


anyio.run(main)
