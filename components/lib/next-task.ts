// Resolves in a later task (not a microtask), so the page paints and handles input (a Break
// button, a scroll) between slices of a long run; a message port has no timer clamping.
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
