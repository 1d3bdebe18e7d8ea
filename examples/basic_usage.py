"""The seed's basic example: list cameras and take a snapshot.

Run it against any service; where to connect and the token come from the
environment (MEDIAMTX_URL or MEDIAMTX_HOST/MEDIAMTX_PORT, MEDIAMTX_AUTH_TOKEN).
Try it with the emulator: `mediamtx-camera emulator` prints both.
"""

import asyncio

from mediamtx_camera_sdk import CameraClient


async def main():
    # Create client with JWT authentication (host, port and token from MEDIAMTX_*)
    client = CameraClient(auth_type="jwt")

    try:
        # Connect to service
        await client.connect()

        # List available cameras
        cameras = await client.get_camera_list()
        print(f"Found {len(cameras)} cameras")

        # Take a snapshot
        if cameras:
            snapshot_info = await client.take_snapshot(cameras[0].device_path)
            print(f"Snapshot saved: {snapshot_info.filename}")

    finally:
        await client.disconnect()


# Run the example
asyncio.run(main())
