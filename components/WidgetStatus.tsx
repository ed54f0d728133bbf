// The status lines under a live widget's controls: the kd commands its clicks stand for (when it
// echoes them: exactly the list it runs), a notice (a refused link, an emulator error), and the
// polite live region that announces each outcome to screen readers.
export function WidgetStatus({ echo, echoLabel, notice, announce }: { echo?: string[]; echoLabel?: string; notice: string; announce: string }) {
  return (
    <>
      {echo && echo.length > 0 && (
        <div class="kd-echo" role="group" aria-label={echoLabel ?? 'kd commands for your clicks'} data-pagefind-ignore>
          {echo.map((c, i) => <div key={i}><span class="kd-prompt">0: kd&gt; </span><span class="kd-echo-command">{c}</span></div>)}
        </div>
      )}
      {notice && <p class="widget-notice" role="status">{notice}</p>}
      <p class="visually-hidden" aria-live="polite">{announce}</p>
    </>
  );
}
