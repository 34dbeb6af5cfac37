"""The words remitflow shows beside remittance codes: our own short labels, not the official texts.

The official CARC, RARC and 835 code descriptions belong to X12 and CMS and are not ours to ship; a
biller needs only which kind of problem a code is and what is usually done next. One table per kind
of code, one row a line: `code | next action | label`, grouped under `# category` lines. A code
with no row is shown bare. `code_words.py` reads these tables; edit them here.

Next actions: appeal, correct_and_resubmit, bill_patient, bill_next_payer, write_off, none.
"""

from __future__ import annotations

# Claim adjustment reason codes (CAS02, CAS05, ...). For a CARC the next action is the usual one
# under group CO; `code_words.adjustment_word` lets the group (PR: the patient owes it) decide.
CARC = """
# patient cost share
1    | bill_patient         | deductible
2    | bill_patient         | coinsurance
3    | bill_patient         | copay
66   | bill_patient         | blood deductible
142  | bill_patient         | patient's monthly share (Medicaid)
178  | bill_patient         | patient's spend-down not yet met
201  | bill_patient         | patient owes it under a set-aside agreement
241  | bill_patient         | low-income subsidy copay
247  | bill_patient         | deductible, professional part of facility bill
248  | bill_patient         | coinsurance, professional part of facility bill
275  | bill_patient         | prior payer's patient share not covered here
# contractual
45   | write_off            | above the allowed amount (fee schedule)
42   | write_off            | above usual and customary charges
44   | write_off            | prompt-payment discount
59   | write_off            | multiple-procedure reduction
90   | write_off            | drug ingredient cost reduced
91   | write_off            | dispensing fee reduced
103  | write_off            | provider promotional discount
104  | write_off            | managed care withhold
111  | write_off            | paid only when assignment is accepted
122  | write_off            | psychiatric reduction
130  | write_off            | claim submission fee
131  | write_off            | claim-specific negotiated discount
139  | write_off            | contracted funding agreement
209  | write_off            | may not be collected from the patient
222  | write_off            | above the contracted hours, days or units
245  | write_off            | performance program withhold
253  | write_off            | sequestration (federal reduction)
256  | write_off            | not payable under the managed care contract
274  | write_off            | not payable under a care coordination deal
281  | write_off            | deductible waived by contract
A2   | write_off            | contractual adjustment
W1   | write_off            | workers' comp fee schedule reduction
# bundling
97   | write_off            | included in another service's payment
234  | write_off            | not paid separately
B10  | write_off            | part of the basic procedure or test
B14  | write_off            | one visit per provider per day
B20  | write_off            | furnished by another provider
190  | write_off            | included in the nursing facility stay
# eligibility
26   | bill_next_payer      | service before coverage began
27   | bill_next_payer      | service after coverage ended
31   | correct_and_resubmit | patient not found as a member
32   | bill_next_payer      | not an eligible dependent
33   | bill_next_payer      | no dependent coverage
34   | bill_next_payer      | no newborn coverage
140  | correct_and_resubmit | member id and name do not match
166  | bill_next_payer      | after this payer's responsibility ended
177  | bill_patient         | patient not eligible
179  | bill_patient         | waiting period not met
180  | bill_patient         | residency requirement not met
200  | bill_patient         | during a lapse in coverage
238  | bill_patient         | part of the claim outside coverage
239  | correct_and_resubmit | spans covered and uncovered dates: split it
258  | write_off            | not covered while in custody
# authorization
15   | correct_and_resubmit | authorization number missing or invalid
39   | appeal               | authorization refused when asked
62   | appeal               | no precertification
197  | appeal               | no prior authorization
198  | appeal               | beyond what was authorized
210  | appeal               | authorization not received in time
243  | appeal               | not authorized by the network or PCP
284  | correct_and_resubmit | authorization does not fit these services
296  | correct_and_resubmit | authorization does not fit this provider
# referral
165  | correct_and_resubmit | referral missing or exceeded
183  | correct_and_resubmit | referring provider may not refer this
287  | appeal               | beyond the referral
288  | correct_and_resubmit | no referral
# coding
4    | correct_and_resubmit | modifier missing or does not fit
5    | correct_and_resubmit | code does not fit the place of service
6    | correct_and_resubmit | code does not fit the patient's age
7    | correct_and_resubmit | code does not fit the patient's sex
8    | correct_and_resubmit | code does not fit the provider type
9    | correct_and_resubmit | diagnosis does not fit the patient's age
10   | correct_and_resubmit | diagnosis does not fit the patient's sex
11   | correct_and_resubmit | diagnosis does not support the procedure
12   | correct_and_resubmit | diagnosis does not fit the provider type
146  | correct_and_resubmit | diagnosis code not valid on that date
181  | correct_and_resubmit | procedure code not valid on that date
182  | correct_and_resubmit | modifier not valid on that date
189  | correct_and_resubmit | unlisted code where a specific one exists
199  | correct_and_resubmit | revenue and procedure codes do not match
231  | correct_and_resubmit | mutually exclusive procedures
236  | correct_and_resubmit | code pair not allowed the same day (NCCI)
240  | correct_and_resubmit | diagnosis does not fit the birth weight
282  | correct_and_resubmit | code does not fit the type of bill
A8   | correct_and_resubmit | DRG could not be grouped
B22  | write_off            | reduced because of the diagnosis
# claim data
13   | correct_and_resubmit | date of death before the service
14   | correct_and_resubmit | date of birth after the service
16   | correct_and_resubmit | missing or wrong claim information
107  | correct_and_resubmit | related claim or service not identified
110  | correct_and_resubmit | billed before the service date
125  | correct_and_resubmit | submission or billing error
129  | correct_and_resubmit | prior processing information looks wrong
135  | correct_and_resubmit | interim bills not accepted
206  | correct_and_resubmit | NPI missing
207  | correct_and_resubmit | NPI invalid
208  | correct_and_resubmit | NPI does not match
267  | correct_and_resubmit | spans several months: split it
268  | correct_and_resubmit | spans two calendar years: split it
# documentation
148  | correct_and_resubmit | another provider's information missing
163  | correct_and_resubmit | attachment referenced but not received
164  | correct_and_resubmit | attachment received too late
226  | correct_and_resubmit | information we were asked for not sent
227  | correct_and_resubmit | information asked of the patient not sent
228  | correct_and_resubmit | prior payer's information request unanswered
250  | correct_and_resubmit | attachment not what was expected
251  | correct_and_resubmit | attachment lacks what is needed
252  | correct_and_resubmit | attachment needed to decide
B12  | appeal               | not documented in the record
# provider
170  | write_off            | not paid to this provider type
171  | write_off            | not paid to this provider type here
172  | write_off            | not paid to this specialty
184  | correct_and_resubmit | ordering provider may not order this
185  | correct_and_resubmit | rendering provider not eligible
283  | correct_and_resubmit | attending provider not eligible
299  | correct_and_resubmit | billing provider not eligible for payment
B7   | write_off            | provider not certified for this on that date
B16  | correct_and_resubmit | new-patient rules not met
# medical necessity
50   | appeal               | not medically necessary
55   | appeal               | considered experimental
56   | appeal               | not proven effective
40   | appeal               | not emergency or urgent care
150  | appeal               | records do not support this level
151  | appeal               | records do not support this many
152  | appeal               | records do not support the length of stay
153  | appeal               | records do not support the dosage
154  | appeal               | records do not support the days' supply
167  | correct_and_resubmit | diagnosis not covered
188  | appeal               | covered only as the FDA recommends
216  | appeal               | decided by a review organization
219  | appeal               | decided on the extent of injury
249  | appeal               | counted as a readmission
261  | appeal               | does not fit the patient's history
272  | appeal               | coverage guidelines not met
273  | appeal               | coverage guidelines exceeded
A6   | appeal               | prior stay or transfer rule not met
B5   | appeal               | program guidelines not met or exceeded
B8   | appeal               | a cheaper alternative should have been used
B15  | appeal               | needs another service paid first
# benefit limits
35   | bill_patient         | lifetime maximum reached
119  | bill_patient         | benefit maximum for the period reached
149  | bill_patient         | lifetime maximum for this benefit reached
# non-covered
49   | bill_patient         | routine or preventive care not covered
51   | bill_patient         | pre-existing condition not covered
53   | write_off            | service by a close relative
54   | write_off            | assistant or extra surgeon not covered
58   | correct_and_resubmit | wrong place of service
60   | write_off            | outpatient care next to a stay
78   | write_off            | non-covered days or room charge
96   | write_off            | not covered
106  | bill_patient         | patient's payment choice not in effect
108  | correct_and_resubmit | rent or purchase rules not met
112  | appeal               | not furnished to the patient or not shown
114  | write_off            | not approved by the FDA
115  | write_off            | procedure postponed or cancelled
116  | write_off            | patient's advance notice not valid
117  | write_off            | transport only to the nearest facility
128  | write_off            | newborn covered with the mother
155  | bill_patient         | patient refused the service
157  | write_off            | excluded: act of war
158  | write_off            | excluded: outside the US
159  | write_off            | excluded: act of terrorism
160  | bill_patient         | excluded activity caused the injury
173  | correct_and_resubmit | not prescribed by a physician
174  | write_off            | not prescribed before delivery
175  | correct_and_resubmit | prescription incomplete
176  | correct_and_resubmit | prescription not current
194  | write_off            | anesthesia by the operating physician
202  | bill_patient         | personal comfort item not covered
203  | write_off            | service discontinued or reduced
204  | bill_patient         | not covered by the patient's plan
211  | write_off            | drug not eligible for rebate
212  | write_off            | administrative surcharge not covered
213  | write_off            | self-referral rules not met
233  | write_off            | hospital-acquired condition
237  | write_off            | legislated penalty
242  | bill_patient         | out of network
269  | write_off            | anesthesia not covered for this
276  | bill_patient         | denied by the prior payer, not covered here
279  | bill_patient         | not by a preferred provider
289  | write_off            | not available under dental or medical
A1   | appeal               | denied
B1   | bill_patient         | non-covered visits
B4   | write_off            | late filing penalty
# timely filing
29   | write_off            | filed too late
286  | write_off            | appeal filed too late
# appeals
95   | appeal               | plan procedures not followed
193  | none                 | decision upheld on review
285  | appeal               | appeal procedures not followed
# coordination of benefits
19   | bill_next_payer      | work injury: bill workers' comp
20   | bill_next_payer      | injury: bill the liability carrier
21   | bill_next_payer      | bill the no-fault carrier
22   | bill_next_payer      | another payer may be primary
23   | none                 | what earlier payers paid or adjusted
24   | bill_next_payer      | covered by a capitated or managed plan
109  | bill_next_payer      | not this payer: send to the right one
136  | correct_and_resubmit | prior payer's rules not followed
254  | bill_next_payer      | bill the medical plan, not dental
270  | bill_next_payer      | bill the dental plan
280  | bill_next_payer      | bill the pharmacy plan
297  | bill_next_payer      | bill the vision plan
300  | bill_next_payer      | bill the behavioral health plan
B9   | bill_next_payer      | patient is in hospice
B11  | none                 | sent on to the right payer
290  | none                 | forwarded to the medical plan
291  | none                 | forwarded to the dental plan
292  | none                 | forwarded to the pharmacy plan
298  | none                 | forwarded to the vision plan
301  | none                 | forwarded to the behavioral health plan
# duplicates
18   | none                 | duplicate claim or service
B13  | none                 | already paid on an earlier claim
# payment adjustments
69   | none                 | day outlier
70   | none                 | cost outlier
74   | none                 | indirect medical education
75   | none                 | direct medical education
76   | none                 | disproportionate share
87   | none                 | transfer amount
89   | none                 | professional fees removed
94   | none                 | paid more than charged
100  | bill_patient         | paid to the patient instead
101  | none                 | predetermination: expected payment
102  | none                 | major medical adjustment
105  | none                 | tax withheld
118  | none                 | ESRD network support
121  | none                 | offset against member's balance
132  | none                 | demonstration project adjustment
134  | none                 | technical fees removed
137  | none                 | regulatory surcharge or tax
143  | none                 | part of the payment deferred
144  | none                 | incentive adjustment
161  | none                 | provider performance bonus
169  | none                 | an alternate benefit was given
186  | none                 | level of care changed
187  | none                 | paid from a health spending account
192  | none                 | non-standard code from a paper remittance
195  | none                 | refund to a payer paid in error
215  | none                 | subrogation settlement
223  | none                 | required by law
225  | none                 | penalty or interest from the payer
232  | none                 | institutional transfer amount
235  | none                 | sales tax
244  | none                 | reduced to zero: litigation
246  | none                 | reporting-only code
259  | none                 | extra dental or vision payment
260  | none                 | enhanced Medicaid fee schedule
271  | none                 | prior reductions on a periodic payment
293  | none                 | paid to the employer
294  | none                 | paid to the attorney
A0   | none                 | patient refund amount
A5   | none                 | capital cost outlier
A7   | none                 | presumptive payment adjustment
# pending
133  | none                 | pending further review
257  | none                 | undecided: premium grace period
277  | none                 | undecided: exchange grace period
"""

# Remittance advice remark codes (MIA, MOA, LQ*HE): they say why, next to a CARC.
RARC = """
# appeal rights
MA01 | none                 | may be appealed
MA02 | none                 | may be appealed
N1   | none                 | may be appealed in writing
N211 | none                 | may not be appealed
N781 | none                 | no appeal: decided by law
# coverage policy
N115 | appeal               | decided under a local coverage policy
N386 | appeal               | decided under a national coverage policy
N130 | none                 | see the plan's benefit documents
N381 | none                 | see the contract
N59  | none                 | see the provider manual
N425 | bill_patient         | excluded by statute
N30  | bill_patient         | patient not eligible for this
N104 | bill_next_payer      | outside this payer's area
# bundling
M15  | write_off            | bundled into the same procedure
M80  | write_off            | not covered with the earlier same-day service
M86  | write_off            | same service already paid for the period
M2   | write_off            | not paid separately during a stay
M144 | write_off            | included in the surgery's global fee
N19  | write_off            | incidental to the main procedure
N20  | write_off            | not paid with the other same-day service
N525 | write_off            | within another service's global period
# frequency
N362 | appeal               | more days or units than allowed
N640 | appeal               | more often than allowed
N674 | appeal               | needs a prerequisite service first
# medical necessity
M25  | appeal               | records do not support this level
N10  | none                 | decided on professional review
# duplicates
N522 | none                 | duplicate of a crossover claim
# coordination of benefits
MA04 | correct_and_resubmit | primary payer's payment needed
MA07 | none                 | also sent to Medicaid
MA18 | none                 | also sent to the supplemental insurer
MA92 | correct_and_resubmit | other insurance details missing
N4   | correct_and_resubmit | prior payer's EOB missing
N479 | correct_and_resubmit | explanation of benefits missing
# claim data
MA130 | correct_and_resubmit | unprocessable: send a new claim
N517 | correct_and_resubmit | send a new claim with what was asked
MA15 | none                 | claim split to speed handling
MA67 | none                 | correction of an earlier claim
MA61 | correct_and_resubmit | member identifier missing or invalid
MA63 | correct_and_resubmit | principal diagnosis missing or invalid
MA66 | correct_and_resubmit | principal procedure missing or invalid
MA120 | correct_and_resubmit | CLIA number missing or invalid
M20  | correct_and_resubmit | HCPCS code missing or invalid
M51  | correct_and_resubmit | procedure code missing or invalid
M62  | correct_and_resubmit | authorization code missing or invalid
M76  | correct_and_resubmit | diagnosis missing or invalid
M77  | correct_and_resubmit | place of service missing or invalid
M79  | correct_and_resubmit | charge missing or invalid
M119 | correct_and_resubmit | NDC missing or invalid
N56  | correct_and_resubmit | procedure code wrong for the service
N62  | correct_and_resubmit | spans rate periods: split it
N122 | correct_and_resubmit | add-on code billed alone
N180 | correct_and_resubmit | does not fit the category billed
N182 | correct_and_resubmit | bill by the plan's schedule
N350 | correct_and_resubmit | unlisted code needs a description
N519 | correct_and_resubmit | modifiers do not go together
N569 | correct_and_resubmit | not covered for this diagnosis
N657 | correct_and_resubmit | bill with the right code
# provider
N257 | correct_and_resubmit | billing provider id missing or invalid
N265 | correct_and_resubmit | ordering provider id missing or invalid
N286 | correct_and_resubmit | referring provider id missing or invalid
N290 | correct_and_resubmit | rendering provider id missing or invalid
N570 | correct_and_resubmit | credentialing data missing or invalid
N574 | correct_and_resubmit | this provider type may not order or refer
N95  | write_off            | this provider type may not bill this
# documentation
M127 | correct_and_resubmit | medical record missing
N206 | correct_and_resubmit | records do not match the claim
N179 | none                 | information asked of the member
# payment
N14  | none                 | paid at the contract or fee schedule amount
M27  | write_off            | patient relieved of liability
N432 | none                 | recovery audit adjustment
"""

# CLP02: what the payer did with the claim.
CLAIM_STATUS = """
# processed
1    | none                 | processed as primary
2    | none                 | processed as secondary
3    | none                 | processed as tertiary
19   | none                 | processed as primary, sent on
20   | none                 | processed as secondary, sent on
21   | none                 | processed as tertiary, sent on
# denied
4    | appeal               | denied
# reversal
22   | none                 | reversal of an earlier payment
# not ours
23   | bill_next_payer      | not this payer's claim
# predetermination
25   | none                 | predetermination only, no payment
"""

# CAS01: who the adjustment falls to.
CAS_GROUP = """
# adjustment group
CO   | write_off            | contractual: the provider absorbs it
PR   | bill_patient         | the patient owes it
OA   | none                 | other adjustment
PI   | write_off            | payer-initiated reduction
CR   | none                 | correction or reversal (4010)
"""

# PLB03-1, PLB05-1, ...: money the payer adds to or takes from the whole payment, not one claim's.
PLB_REASON = """
# interest and penalties
L6   | none                 | interest paid
50   | none                 | late charge
51   | none                 | interest penalty charge
L3   | none                 | penalty
# recoveries
WO   | none                 | overpayment recovery
WU   | none                 | unspecified recovery
72   | none                 | refund the provider returned
B3   | none                 | recovery allowance
FB   | none                 | balance carried forward
OB   | none                 | offset for an affiliated provider
TL   | none                 | third-party liability
# withholding
E3   | none                 | withholding
IR   | none                 | IRS withholding
LE   | none                 | levy
SL   | none                 | student loan repayment
C5   | none                 | temporary allowance
# settlements
IS   | none                 | interim settlement
PI   | none                 | periodic interim payment
PL   | none                 | final payment
RA   | none                 | retroactive adjustment
RI   | none                 | reissued check
LS   | none                 | lump sum
AP   | none                 | accelerated benefits
FC   | none                 | fund allocation
BD   | none                 | bad debt
RE   | none                 | return on equity
# pass-through
CV   | none                 | capital pass-through
CW   | none                 | nurse anesthetist pass-through
DM   | none                 | direct medical education pass-through
GO   | none                 | graduate medical education pass-through
OA   | none                 | organ acquisition pass-through
HM   | none                 | hemophilia clotting factor add-on
# payments and fees
CS   | none                 | adjustment (see the reference)
J1   | none                 | not reimbursable
AH   | none                 | origination fee
AM   | none                 | applied to a borrower's account
90   | none                 | early payment allowance
B2   | none                 | rebate
BN   | none                 | bonus
IP   | none                 | incentive premium
CR   | none                 | capitation interest
CT   | none                 | capitation payment
"""
