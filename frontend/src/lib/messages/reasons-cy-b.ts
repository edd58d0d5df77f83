// Welsh for the sentences the server writes (part B of those beyond the authorizer's); keys are
// the English templates of server-reasons.json. Reviewed by no native speaker yet.
export const reasonsCyB: Record<string, string> = {
  'The cursor is not valid; start again from the first page.': 'Nid yw’r cyrchwr yn ddilys; dechreuwch eto o’r dudalen gyntaf.',
  'The expiry date must be in the future.': 'Rhaid i’r dyddiad dod i ben fod yn y dyfodol.',
  'The file has a header row but no rows of accounts.': 'Mae gan y ffeil res pennawd ond dim rhesi o gyfrifon.',
  'The file has more than {0} rows; split it into smaller files.':
    'Mae gan y ffeil fwy na {0} rhes; rhannwch hi yn ffeiliau llai.',
  'The file has {0} columns; the users CSV has at most {1}.':
    'Mae gan y ffeil {0} colofn; mae gan y CSV defnyddwyr {1} ar y mwyaf.',
  'The file is empty: it needs a header row naming the columns, then one row per account.':
    'Mae’r ffeil yn wag: mae angen rhes pennawd sy’n enwi’r colofnau, yna un rhes ar gyfer pob cyfrif.',
  'The file is larger than 35 MB; split it into smaller files.': 'Mae’r ffeil yn fwy na 35 MB; rhannwch hi yn ffeiliau llai.',
  'The file is not valid CSV at {0}. Nothing was imported.': 'Nid yw’r ffeil yn CSV dilys yn {0}. Ni fewnforiwyd dim.',
  'The file is UTF-16 text. Save it as "CSV UTF-8" and upload it again.':
    'Testun UTF-16 yw’r ffeil. Cadwch hi fel "CSV UTF-8" a’i llwytho i fyny eto.',
  'The file needs a Local ID column (or ExternalSyncID, or User ID): it is how Userdesk finds each account.':
    'Mae angen colofn Local ID ar y ffeil (neu ExternalSyncID, neu User ID): dyma sut mae Userdesk yn dod o hyd i bob cyfrif.',
  'The header row could not be read as CSV: {0}.': 'Nid oedd modd darllen y rhes pennawd fel CSV: {0}.',
  "The id can't change.": 'Ni all yr ID newid.',
  "The kind can't change.": 'Ni all y math newid.',
  'The list already has this entry.': 'Mae’r cofnod hwn yn y rhestr yn barod.',
  'The list has no such entry.': 'Nid oes cofnod o’r fath yn y rhestr.',
  'The Local IDs could not be read; try again.': 'Nid oedd modd darllen yr IDau lleol; rhowch gynnig arall arni.',
  'The name is longer than 80 characters.': 'Mae’r enw’n hwy na 80 nod.',
  'The new parent unit does not exist.': 'Nid yw’r uned riant newydd yn bodoli.',
  'The new primary organisation has no single sign-on: this account stops being an external (SSO) user.':
    'Nid oes mewngofnodi sengl gan y prif sefydliad newydd: ni fydd y cyfrif hwn yn ddefnyddiwr allanol (SSO) mwyach.',
  'The parent unit does not exist.': 'Nid yw’r uned riant yn bodoli.',
  'The password of your {0} account {1} was changed {2}, {3}, on {4}. Your other sessions have ended.':
    'Newidiwyd cyfrinair eich cyfrif {0} {1} {2}, {3}, ar {4}. Mae eich sesiynau eraill wedi dod i ben.',
  'The request body could not be read as JSON.': 'Nid oedd modd darllen corff y cais fel JSON.',
  'The request body is empty; send a JSON object.': 'Mae corff y cais yn wag; anfonwch wrthrych JSON.',
  'The request body is larger than {0} KiB.': 'Mae corff y cais yn fwy na {0} KiB.',
  'The request body is not valid JSON (at byte {0}).': 'Nid yw corff y cais yn JSON dilys (ar feit {0}).',
  'The request body is not valid JSON: it ends too early.': 'Nid yw corff y cais yn JSON dilys: mae’n dod i ben yn rhy gynnar.',
  'The request body is not valid UTF-8 text.': 'Nid yw corff y cais yn destun UTF-8 dilys.',
  'The request body is too large.': 'Mae corff y cais yn rhy fawr.',
  'The request body must be a JSON object.': 'Rhaid i gorff y cais fod yn wrthrych JSON.',
  'The request body must hold a single JSON value.': 'Rhaid i gorff y cais ddal un gwerth JSON yn unig.',
  'The request has a field Userdesk does not know.': 'Mae gan y cais faes nad yw Userdesk yn ei adnabod.',
  'The request headers are too large.': 'Mae penynnau’r cais yn rhy fawr.',
  'The request is missing its X-CSRF-Token, or the token is wrong. Reload the page and try again.':
    'Nid oes X-CSRF-Token gyda’r cais, neu mae’r tocyn yn anghywir. Ail-lwythwch y dudalen a rhowch gynnig arall arni.',
  "The token can't be created as it is.": 'Ni ellir creu’r tocyn fel y mae.',
  'The workbook has a cell or tag longer than {0} bytes.': 'Mae gan y llyfr gwaith gell neu dag sy’n hwy na {0} beit.',
  'The workbook has no worksheet.': 'Nid oes taflen waith yn y llyfr gwaith.',
  'The workbook has {0} worksheets; only {1} was read.': 'Mae gan y llyfr gwaith {0} taflen waith; dim ond {1} a ddarllenwyd.',
  'The workbook unpacks to more than {0} MB; split it into smaller files.':
    'Mae’r llyfr gwaith yn dadbacio i fwy na {0} MB; rhannwch ef yn ffeiliau llai.',
  "The workbook's part {0} could not be read: {1}.": 'Nid oedd modd darllen rhan {0} o’r llyfr gwaith: {1}.',
  "The workbook's strings are larger than {0} MB.": 'Mae llinynnau’r llyfr gwaith yn fwy na {0} MB.',
  'The worksheet {0} could not be read after row {1}: {2}.': 'Nid oedd modd darllen y daflen waith {0} ar ôl rhes {1}: {2}.',
  'The worksheet {0} is empty: it needs a header row naming the columns, then one row per account.':
    'Mae’r daflen waith {0} yn wag: mae angen rhes pennawd sy’n enwi’r colofnau, yna un rhes ar gyfer pob cyfrif.',
  'The worksheet {0} is missing from the workbook.': 'Nid yw’r daflen waith {0} yn y llyfr gwaith.',
  'There is no backup called {0}.': 'Nid oes copi wrth gefn o’r enw {0}.',
  'There is no reference list called {0}.': 'Nid oes rhestr gyfeirio o’r enw {0}.',
  'There is nothing at this address.': 'Nid oes dim byd yn y cyfeiriad hwn.',
  'This account was changed after your export, by {0} on {1} (its version is now {2}; the file has {3}).':
    'Newidiwyd y cyfrif hwn ar ôl i chi ei allforio, gan {0} ar {1} (ei fersiwn bellach yw {2}; mae gan y ffeil {3}).',
  'This address does not accept that method.': 'Nid yw’r cyfeiriad hwn yn derbyn y dull hwnnw.',
  'This authorizer cannot explain its decisions.': 'Ni all yr awdurdodwr hwn egluro ei benderfyniadau.',
  'This demo accepts files of at most 5 MB.': 'Mae’r demo hwn yn derbyn ffeiliau hyd at 5 MB.',
  'This demo limits how fast one visitor makes changes. Wait {0} seconds and try again.':
    'Mae’r demo hwn yn cyfyngu ar ba mor gyflym y mae un ymwelydd yn gwneud newidiadau. Arhoswch {0} eiliad a rhowch gynnig arall arni.',
  "This field is set by Userdesk and can't be changed.": 'Mae Userdesk yn gosod y maes hwn ac ni ellir ei newid.',
  'This import was already applied. Upload the file again to apply it once more.':
    'Mae’r mewnforio hwn eisoes wedi’i roi ar waith. Llwythwch y ffeil i fyny eto i’w rhoi ar waith unwaith eto.',
  'This is not your current password.': 'Nid hwn yw eich cyfrinair presennol.',
  'This is one of the most common passwords: choose something less predictable.':
    'Dyma un o’r cyfrineiriau mwyaf cyffredin: dewiswch rywbeth llai rhagweladwy.',
  'This message has no such attachment.': 'Nid oes gan y neges hon atodiad o’r fath.',
  "This password has bytes that aren't text (invalid UTF-8): type it again.":
    'Mae gan y cyfrinair hwn feitiau nad ydynt yn destun (UTF-8 annilys): teipiwch ef eto.',
  'This password would be easy to guess (common words, names, dates or swapped letters): add another unrelated word.':
    'Byddai’n hawdd dyfalu’r cyfrinair hwn (geiriau cyffredin, enwau, dyddiadau neu lythrennau wedi’u cyfnewid): ychwanegwch air arall nad yw’n perthyn.',
  'This row could not be checked.': 'Nid oedd modd gwirio’r rhes hon.',
  'This row has {0} cells but the header names {1} columns.': 'Mae gan y rhes hon {0} cell ond mae’r pennawd yn enwi {1} colofn.',
  'This server does not answer to the host name {0}. Open it at its own address.':
    'Nid yw’r gweinydd hwn yn ateb i’r enw gwesteiwr {0}. Agorwch ef yn ei gyfeiriad ei hun.',
  'This Userdesk keeps no data directory (it runs in memory), so it has no backups.':
    'Nid yw’r Userdesk hwn yn cadw cyfeiriadur data (mae’n rhedeg yn y cof), felly nid oes ganddo gopïau wrth gefn.',
  "This username looks the same as another account's (they differ only in look-alike characters): choose another.":
    'Mae’r enw defnyddiwr hwn yn edrych yr un fath ag enw cyfrif arall (dim ond nodau sy’n edrych yn debyg sy’n wahanol): dewiswch un arall.',
  "This {0} link doesn't work: it was already used, replaced by a newer one, or copied incompletely. Ask for a new one.":
    'Nid yw’r ddolen {0} hon yn gweithio: fe’i defnyddiwyd eisoes, daeth un fwy newydd yn ei lle, neu fe’i copïwyd yn anghyflawn. Gofynnwch am un newydd.',
  'This {0} link has expired: links work for {1} hours. Ask for a new one.':
    'Mae’r ddolen {0} hon wedi dod i ben: mae dolenni’n gweithio am {1} awr. Gofynnwch am un newydd.',
  'Time (UTC)': 'Amser (UTC)',
  'To is a date like 2026-11-30, or a time like 2026-11-30T17:00:00Z.':
    'Rhaid i “At” fod yn ddyddiad fel 2026-11-30, neu’n amser fel 2026-11-30T17:00:00Z.',
  'To is on or after From.': 'Rhaid i “At” fod ar yr un pryd ag “O” neu’n hwyrach.',
  'Too many {0} for different accounts from this computer. Wait {1} and try again.':
    'Gormod o {0} ar gyfer cyfrifon gwahanol o’r cyfrifiadur hwn. Arhoswch {1} a rhowch gynnig arall arni.',
  'Too many {0} for this account at once. Wait {1} and try again.':
    'Gormod o {0} ar gyfer y cyfrif hwn ar unwaith. Arhoswch {1} a rhowch gynnig arall arni.',
  'Type must be internal, external, config_admin, super_admin or one_time.':
    'Rhaid i’r math fod yn internal, external, config_admin, super_admin neu one_time.',
  'Unknown action.': 'Gweithred anhysbys.',
  'Unknown actor.': 'Gweithredwr anhysbys.',
  'Unknown field.': 'Maes anhysbys.',
  'Unknown permission.': 'Caniatâd anhysbys.',
  'Upload the CSV file as multipart/form-data in a field named "file".':
    'Llwythwch y ffeil CSV i fyny fel multipart/form-data mewn maes o’r enw "file".',
  'Upload the CSV file in a field named "file".': 'Llwythwch y ffeil CSV i fyny mewn maes o’r enw "file".',
  'Upload the file again to apply this row to the account as it is now.':
    'Llwythwch y ffeil i fyny eto i roi’r rhes hon ar waith ar y cyfrif fel y mae nawr.',
  'Use at least {0} characters; a few unrelated words work well.':
    'Defnyddiwch o leiaf {0} nod; mae ychydig o eiriau nad ydynt yn perthyn i’w gilydd yn gweithio’n dda.',
  'Use at most 500 characters.': 'Defnyddiwch 500 nod ar y mwyaf.',
  'Use at most {0} printable characters.': 'Defnyddiwch {0} nod argraffadwy ar y mwyaf.',
  'Use comma, semicolon or tab.': 'Defnyddiwch goma, hanner colon neu dab.',
  'Use update, unchanged, create or error.': 'Defnyddiwch update, unchanged, create neu error.',
  'Userdesk does not know the column {0}. The columns are: {1}.': 'Nid yw Userdesk yn adnabod y golofn {0}. Y colofnau yw: {1}.',
  'Username policy must be editable, after-activation or locked.':
    'Rhaid i’r polisi enw defnyddiwr fod yn editable, after-activation neu locked.',
  'You already have a token with this name.': 'Mae gennych docyn â’r enw hwn yn barod.',
  'You already hold {0} API tokens: revoke one you no longer use first.':
    'Mae gennych {0} tocyn API yn barod: dirymwch un nad ydych yn ei ddefnyddio mwyach yn gyntaf.',
  'You can add to a role only permissions you hold yourself everywhere.':
    'Dim ond caniatâd sydd gennych chi eich hun ym mhobman y gallwch ei ychwanegu at rôl.',
  'You can read only your own mailbox.': 'Dim ond eich blwch post eich hun y gallwch ei ddarllen.',
  'You have no such token.': 'Nid oes gennych docyn o’r fath.',
  'You may not sign this account out.': 'Ni chewch allgofnodi’r cyfrif hwn.',
  'You may not start a password reset for this account.': 'Ni chewch ddechrau ailosod cyfrinair ar gyfer y cyfrif hwn.',
  'You need the Export reports permission to download the users report.':
    'Mae angen y caniatâd Allforio adroddiadau arnoch i lawrlwytho’r adroddiad defnyddwyr.',
  'You need the Import users permission over this OU to create accounts in it.':
    'Mae angen y caniatâd Mewnforio defnyddwyr dros yr uned hon arnoch i greu cyfrifon ynddi.',
  'You need the Import users permission to apply an import.':
    'Mae angen y caniatâd Mewnforio defnyddwyr arnoch i roi mewnforio ar waith.',
  'You need the Import users permission to download the import template.':
    'Mae angen y caniatâd Mewnforio defnyddwyr arnoch i lawrlwytho’r templed mewnforio.',
  'You need the Import users permission to import a CSV file.':
    'Mae angen y caniatâd Mewnforio defnyddwyr arnoch i fewnforio ffeil CSV.',
  'You need the Import users permission to see imports.': 'Mae angen y caniatâd Mewnforio defnyddwyr arnoch i weld mewnforion.',
  'You need the Import users permission to undo an import.':
    'Mae angen y caniatâd Mewnforio defnyddwyr arnoch i ddadwneud mewnforio.',
  'You need the "Manage organisation settings" (config.settings) permission to make or download backups.':
    'Mae angen y caniatâd “Rheoli gosodiadau sefydliadau” (config.settings) arnoch i wneud neu lawrlwytho copïau wrth gefn.',
  "You need the Move users or Delete users permission over this user's unit to mark them as a leaver.":
    'Mae angen y caniatâd Symud defnyddwyr neu Dileu defnyddwyr dros uned y defnyddiwr hwn arnoch i’w nodi’n ymadawr.',
  'You need the Move users permission to claim leavers.': 'Mae angen y caniatâd Symud defnyddwyr arnoch i hawlio ymadawyr.',
  'You need the {0} permission to {1}.': 'Mae angen y caniatâd {0} arnoch i {1}.',
  "You no longer have the Import users permission over this account's OU.":
    'Nid oes gennych y caniatâd Mewnforio defnyddwyr dros uned y cyfrif hwn mwyach.',
  'Your account is active. Sign in with your username and the password you chose.':
    'Mae eich cyfrif yn weithredol. Mewngofnodwch gyda’ch enw defnyddiwr a’r cyfrinair a ddewisoch.',
  'Your current password is not right.': 'Nid yw eich cyfrinair presennol yn gywir.',
  'Your password has been changed and every session of your account has ended. Sign in with your new password.':
    'Mae eich cyfrinair wedi’i newid ac mae pob sesiwn ar eich cyfrif wedi dod i ben. Mewngofnodwch gyda’ch cyfrinair newydd.',
  'Your password has been changed. Your other sessions have ended.':
    'Mae eich cyfrinair wedi’i newid. Mae eich sesiynau eraill wedi dod i ben.',
  'Your password was just changed elsewhere. Reload and try again.':
    'Mae eich cyfrinair newydd gael ei newid mewn man arall. Ail-lwythwch a rhowch gynnig arall arni.',
  'Your {0} account {1} no longer has {2}: removed {3} on {4}.':
    'Nid oes gan eich cyfrif {0} {1} {2} mwyach: fe’i tynnwyd {3} ar {4}.',
  'Your {0} account {1} was given {2} {3} on {4}.': 'Rhoddwyd {2} i’ch cyfrif {0} {1} {3} ar {4}.',
};
