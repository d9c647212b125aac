import type { RoomState } from '@lectern/client';

/** A live line about the server connection: silent when all is well. */
export function ServerStatus(props: { state: RoomState }) {
  if (props.state === 'reconnecting') {
    return (
      <p class="banner warn" role="status" data-testid="reconnecting">
        Reconnecting… The connection to the server was lost; Lectern keeps trying.
      </p>
    );
  }
  if (props.state === 'connecting') {
    return (
      <p class="banner" role="status">
        Connecting to the server…
      </p>
    );
  }
  return null;
}
