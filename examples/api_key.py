"""The seed's API-key example: authenticate with an API key instead of a JWT.

The key comes from MEDIAMTX_API_KEY (or MEDIAMTX_API_KEY_FILE), the address from
MEDIAMTX_URL or MEDIAMTX_HOST/MEDIAMTX_PORT.
"""

import asyncio

from mediamtx_camera_sdk import CameraClient


async def main():
    # Create client with API key authentication
    client = CameraClient(auth_type="api_key")

    await client.connect()
    print(f"Authenticated as {client.role} on the {client.dialect} service")
    cameras = await client.get_camera_list()
    for camera in cameras:
        print(f"{camera.device_path}: {camera.status}")
    await client.disconnect()


asyncio.run(main())
