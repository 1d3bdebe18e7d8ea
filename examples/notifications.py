"""The seed's notifications example: callbacks for camera and recording updates.

Runs for MEDIAMTX_EXAMPLE_SECONDS seconds (default 30) or until Ctrl-C.
"""

import asyncio
import os

from mediamtx_camera_sdk import CameraClient


async def on_camera_status_update(camera_info):
    print(f"Camera {camera_info.device_path} status: {camera_info.status}")


async def on_recording_status_update(recording_info):
    print(f"Recording {recording_info.recording_id}: {recording_info.status}")


async def main():
    client = CameraClient(auth_type="jwt")

    # Set up event handlers
    client.on_camera_status_update = on_camera_status_update
    client.on_recording_status_update = on_recording_status_update

    await client.connect()
    print("Listening for notifications...", flush=True)

    # Keep connection alive to receive notifications
    seconds = float(os.environ.get("MEDIAMTX_EXAMPLE_SECONDS", "30"))
    try:
        await asyncio.sleep(seconds)
    finally:
        # Also on Ctrl-C: asyncio.run cancels main(), and the cancellation
        # goes on after the disconnect (never swallow it).
        await client.disconnect()


try:
    asyncio.run(main())
except KeyboardInterrupt:
    print("Stopped.")
