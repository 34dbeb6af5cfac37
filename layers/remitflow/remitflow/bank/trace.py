"""The 835's TRN segment as payers put it in the ACH CCD+ addenda, found in noisy bank text.

CAQH CORE 370 asks payers to send `TRN*1*<TRN02 trace>*<TRN03 payer id>\\` in the addenda. Banks pass it
on with noise: other text around it (`RMR*`, `ADDENDA:`), spaces squeezed out or added around `*`,
lower case, `~` or nothing instead of the `\\` terminator, a TRN04 after the payer id. What the match
insists on is the segment's shape: the `TRN` tag, TRN01 = 1 and `*` separators, so a bare number in
the text is never taken for a trace. `REF*TN*<trace>` is the fallback some payers use instead.
"""

from __future__ import annotations

import re

from remitflow.bank.models import TraceRef

_SEP = r"\s*\*\s*"
# TRN02 is 1-50 characters; letters, digits and hyphens are what payers use for check and EFT numbers.
# ASCII letters and digits only, spelt out: under IGNORECASE [A-Z] would also take U+017F (long s) and
# U+0131 (dotless i), which upper() turns into an S or an I that was never in the bank's text.
_TRACE = r"(?P<trace>[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?)"
# TRN03 is exactly 10 characters ('1' + EIN). Fewer are accepted only when something that cannot
# belong to the id follows: in squashed text the next word starts right after the 10th character.
_PAYER = r"(?P<payer>[A-Za-z0-9]{10}|[A-Za-z0-9]{1,9}(?![A-Za-z0-9]))"
_TRN = re.compile(rf"(?i:TRN){_SEP}1{_SEP}{_TRACE}(?:{_SEP}{_PAYER})?")
_REF_TN = re.compile(rf"(?i:REF){_SEP}(?i:TN){_SEP}{_TRACE}")


def find_trace(text: str | None) -> TraceRef | None:
    """The first TRN in `text` (else a REF*TN), or None when nothing has the shape of one.

    Trace and payer id come back upper case: banks that lower-case the addenda must still match the 835.
    """
    if not text:
        return None
    match = _TRN.search(text)
    if match is not None:
        payer = match.group("payer")
        return TraceRef(
            trace_number=match.group("trace").upper(),
            payer_id=payer.upper() if payer else None,
            raw=match.group(0),
        )
    match = _REF_TN.search(text)
    if match is not None:
        return TraceRef(trace_number=match.group("trace").upper(), payer_id=None, raw=match.group(0))
    return None
