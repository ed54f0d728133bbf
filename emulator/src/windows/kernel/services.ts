// Which nt routine each modeled system service reaches through KiServiceTable (boot fills the
// table from the assembled labels). Kept apart from the kernel's source text so that a boot from
// the pre-assembled image does not carry that text.

/** The services the table routes to, by service number (others below the limit route to
 *  KiServiceNotModeled). */
export const SERVICE_ROUTINES: Record<string, string> = {
  NtQueryInformationProcess: 'NtQueryInformationProcess',
  NtClose: 'NtClose',
  NtYieldExecution: 'NtYieldExecution',
  NtQuerySystemTime: 'NtQuerySystemTime',
  NtTerminateProcess: 'NtTerminateProcess',
};
