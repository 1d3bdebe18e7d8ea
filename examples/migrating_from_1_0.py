"""A program written for the 1.0 SDK, unchanged, and what two more lines add to it.

Everything down to the marked lines uses only what the 1.0 SDK had: its
modules (``.client``, ``.exceptions``, ``.models``), its constructor, its
attributes (``client_id``, ``host``, ``connected``, ...) and its hook
attributes. It reads where to connect from MEDIAMTX_HOST, MEDIAMTX_PORT and
MEDIAMTX_AUTH_TOKEN, as 1.0 programs often did. Try it with the emulator:
`mediamtx-camera emulator` prints the values to export.
"""

import asyncio
import os
import tempfile

from mediamtx_camera_sdk import __version__
from mediamtx_camera_sdk.client import CameraClient
from mediamtx_camera_sdk.exceptions import (
    AuthenticationError,
    CameraNotFoundError,
    CameraServiceError,
    ConnectionError,
    TimeoutError,
)
from mediamtx_camera_sdk.models import CameraInfo


async def on_camera_status_update(camera_info: CameraInfo) -> None:
    print(f"Camera {camera_info.device_path} status: {camera_info.status}")


async def main() -> None:
    client = CameraClient(
        host=os.environ.get("MEDIAMTX_HOST", "localhost"),
        port=int(os.environ.get("MEDIAMTX_PORT", "8080")),
        auth_type="jwt",
        auth_token=os.environ.get("MEDIAMTX_AUTH_TOKEN"),
        max_retries=3,
        retry_delay=1.0,
    )
    client.on_camera_status_update = on_camera_status_update
    print(f"SDK {__version__}, client {client.client_id} for {client.host}:{client.port}")

    try:
        await client.connect()
        print(f"connected={client.connected} authenticated={client.authenticated}")

        cameras = await client.get_camera_list()
        print(f"Found {len(cameras)} cameras")
        for camera in cameras:
            print(f"  {camera.device_path}: {camera.name} ({camera.status})")
        device = cameras[0].device_path

        snapshot = await client.take_snapshot(device)
        print(f"Snapshot saved: {snapshot.filename} ({snapshot.size_bytes} bytes)")

        recording = await client.start_recording(device)
        print(f"Recording {recording.filename} started")
        await asyncio.sleep(1)
        stopped = await client.stop_recording(device)
        print(f"Recording {stopped.filename} stopped")

        try:
            await client.get_camera_status("camera99")
        except CameraNotFoundError as e:
            print(f"No such camera: {e}")
        except CameraServiceError as e:
            print(f"camera99 refused: {e}")

        # The two lines this SDK adds to the 1.0 program: fetch the snapshot's
        # file over HTTP, with the client's own credentials.
        path = await client.download_snapshot(snapshot.filename, tempfile.mkdtemp())
        print(f"Downloaded to {path}")
    except AuthenticationError as e:
        print(f"Authentication failed: {e}")
    except ConnectionError as e:
        print(f"Connection failed: {e}")
    except TimeoutError as e:
        print(f"Timed out: {e}")
    except CameraServiceError as e:
        print(f"Camera service error: {e}")
    finally:
        await client.disconnect()
        print(f"connected={client.connected} websocket={client.websocket}")


asyncio.run(main())
