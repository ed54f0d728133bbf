// How a widget runs one action on the emulator: marked busy while it runs, and an exception (a
// fault of ours, not the modeled machine's: its faults are outcomes) shown as the widget's notice
// instead of escaping as an unhandled rejection.
export async function emulatorAction(
  setBusy: (busy: boolean) => void,
  setNotice: (text: string) => void,
  action: () => Promise<void>,
): Promise<void> {
  setBusy(true);
  try {
    await action();
  } catch (e) {
    setNotice(`The emulator stopped with an error: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    setBusy(false);
  }
}
