// Welsh for the sentences the server writes (part A of those beyond the authorizer's); keys are
// the English templates of server-reasons.json. Reviewed by no native speaker yet.
export const reasonsCyA: Record<string, string> = {
  'A demo kiosk makes no API tokens: scripts and the command line are refused against it.':
    'Nid yw ciosg demo yn creu tocynnau API: caiff sgriptiau a’r llinell orchymyn eu gwrthod ganddo.',
  'A demo kiosk makes no backups: it returns to the pristine demo on its own.':
    'Nid yw ciosg demo yn gwneud copïau wrth gefn: mae’n dychwelyd i’r demo gwreiddiol ohono’i hun.',
  'A new account starts as Created; send the activation email once it exists.':
    'Mae cyfrif newydd yn dechrau fel Wedi’i greu; anfonwch yr e-bost actifadu unwaith y bydd yn bodoli.',
  "A role's id never changes.": 'Nid yw ID rôl byth yn newid.',
  "A role's kind can't change; create a new role instead.": 'Ni ellir newid math rôl; crëwch rôl newydd yn lle hynny.',
  'A unit can move only within its organisation; moving accounts to another organisation is the leaver process.':
    'Dim ond o fewn ei sefydliad y gall uned symud; proses yr ymadawyr yw symud cyfrifon i sefydliad arall.',
  "A unit can't move below itself.": 'Ni all uned symud o dan ei hun.',
  "A unit's id never changes.": 'Nid yw ID uned byth yn newid.',
  'A username is an email address of at most 254 characters.':
    'Mae enw defnyddiwr yn gyfeiriad e-bost o 254 nod ar y mwyaf.',
  'Action is at most 64 characters, such as user.update.': 'Gall y weithred fod yn 64 nod ar y mwyaf, fel user.update.',
  'An API token cannot change the account it acts for: sign in to the console to change your own account or your tokens.':
    'Ni all tocyn API newid y cyfrif y mae’n gweithredu ar ei ran: mewngofnodwch i’r consol i newid eich cyfrif eich hun neu eich tocynnau.',
  'An import is already running: {0} (started by {1}, {2} of {3} rows done). Wait for it to finish, then apply this one.':
    'Mae mewnforiad eisoes yn rhedeg: {0} (wedi’i ddechrau gan {1}, {2} o {3} rhes wedi’u cwblhau). Arhoswch iddo orffen, yna rhowch yr un hwn ar waith.',
  "An organisation can't be moved under another unit.": 'Ni ellir symud sefydliad o dan uned arall.',
  'An organisation with SSO needs its authentication URL.': 'Mae angen URL dilysu ar sefydliad sydd ag SSO.',
  'An organisational unit needs a parent unit.': 'Mae angen uned riant ar uned sefydliadol.',
  'Another account already uses this username.': 'Mae cyfrif arall eisoes yn defnyddio’r enw defnyddiwr hwn.',
  'Another account in this organisation already has this Local ID.':
    'Mae gan gyfrif arall yn y sefydliad hwn yr ID lleol hwn eisoes.',
  'Another role of this kind has this name.': 'Mae gan rôl arall o’r math hwn yr enw hwn.',
  'Another unit here already has this name.': 'Mae gan uned arall yma yr enw hwn eisoes.',
  'API tokens are managed in the console while signed in, not with another token.':
    'Caiff tocynnau API eu rheoli yn y consol tra byddwch wedi mewngofnodi, nid gyda thocyn arall.',
  'At most 35 MB and 150,000 rows per file.': '35 MB a 150,000 rhes y ffeil ar y mwyaf.',
  'At most 5 MB on this demo.': '5 MB ar y mwyaf ar y demo hwn.',
  'Changed since the import, by {0} on {1}: left as it is.':
    'Wedi’i newid ers y mewnforiad, gan {0} ar {1}: wedi’i adael fel y mae.',
  'Check that Local ID if you meant to update an existing account.':
    'Gwiriwch y Local ID hwnnw os oeddech am ddiweddaru cyfrif sy’n bodoli.',
  'Check the Local ID if you meant an update.': 'Gwiriwch y Local ID os oeddech am ddiweddaru.',
  'Check those Local IDs if you meant to update existing accounts.':
    'Gwiriwch y Local ID hynny os oeddech am ddiweddaru cyfrifon sy’n bodoli.',
  'Choose a CSV file.': 'Dewiswch ffeil CSV.',
  'Choose a different password.': 'Dewiswch gyfrinair gwahanol.',
  'Choose a shorter name.': 'Dewiswch enw byrrach.',
  'Choose another name.': 'Dewiswch enw arall.',
  'Choose another username.': 'Dewiswch enw defnyddiwr arall.',
  'Choose at least one permission.': 'Dewiswch o leiaf un caniatâd.',
  'Choose the kind of role.': 'Dewiswch y math o rôl.',
  'Configuration permissions belong in config roles.': 'Mae caniatâd ffurfweddu yn perthyn i rolau ffurfweddu.',
  'Created the account.': 'Wedi creu’r cyfrif.',
  'Cross-site requests are not accepted.': 'Ni dderbynnir ceisiadau traws-safle.',
  "Don't build your password on your name, username or organisation.":
    'Peidiwch â seilio eich cyfrinair ar eich enw, eich enw defnyddiwr na’ch sefydliad.',
  "Don't use your username in your password.": 'Peidiwch â defnyddio eich enw defnyddiwr yn eich cyfrinair.',
  'Email differs from Username while Email Same As Username is yes: set that column to no, or make them equal.':
    'Mae Email yn wahanol i Username tra bo Email Same As Username yn yes: gosodwch y golofn honno i no, neu gwnewch nhw’r un fath.',
  'Enabled must be true or false.': 'Rhaid i Enabled fod yn true neu false.',
  'Enter your current password.': 'Rhowch eich cyfrinair presennol.',
  'Enter your password.': 'Rhowch eich cyfrinair.',
  'Enter your username.': 'Rhowch eich enw defnyddiwr.',
  'Enter your username and password.': 'Rhowch eich enw defnyddiwr a’ch cyfrinair.',
  'Every session of the account has ended.': 'Mae pob sesiwn y cyfrif wedi dod i ben.',
  'Excel\'s "CSV (Comma delimited)" ({0} of its rows). Check a few names with accents in the report; saving as "CSV UTF-8" avoids the question.':
    '"CSV (Comma delimited)" Excel ({0} o resi’r ffeil). Gwiriwch ychydig o enwau ag acenion yn yr adroddiad; mae cadw fel "CSV UTF-8" yn osgoi’r cwestiwn.',
  'Expected {0}.': 'Disgwylid {0}.',
  'From is a date like 2026-11-30, or a time like 2026-11-30T09:00:00Z.':
    'Rhaid i’r dyddiad cychwyn (O) fod yn ddyddiad fel 2026-11-30, neu’n amser fel 2026-11-30T09:00:00Z.',
  'Give the token a name that says what uses it.': 'Rhowch enw i’r tocyn sy’n dweud beth sy’n ei ddefnyddio.',
  'If-Match must be the ETag from GET /users/{id}, like "3".':
    'Rhaid i If-Match fod yn werth yr ETag o GET /users/{id}, fel "3".',
  'If you did not expect this change, tell your administrator at once: someone else may be using your account.':
    'Os nad oeddech yn disgwyl y newid hwn, dywedwch wrth eich gweinyddwr ar unwaith: efallai fod rhywun arall yn defnyddio eich cyfrif.',
  'Import not found.': 'Heb ddod o hyd i’r mewnforiad.',
  'Import users permission over its OU. Ask an administrator of that OU, or remove the row.':
    'caniatâd Mewnforio defnyddwyr dros ei uned. Gofynnwch i weinyddwr yr uned honno, neu tynnwch y rhes.',
  'Incorrect username or password.': 'Enw defnyddiwr neu gyfrinair anghywir.',
  'Keyboard patterns like qwerty are easy to guess: use a few unrelated words.':
    'Mae patrymau bysellfwrdd fel qwerty yn hawdd eu dyfalu: defnyddiwch ychydig o eiriau nad ydynt yn perthyn i’w gilydd.',
  'Kind must be "config" or "admin".': 'Rhaid i’r math fod yn "config" neu "admin".',
  'Limit must be a number from 1 to 1000.': 'Rhaid i’r terfyn fod yn rhif o 1 i 1000.',
  'Limit must be a number from 1 to 500.': 'Rhaid i’r terfyn fod yn rhif o 1 i 500.',
  'Limit must be a number from 1 to {0}.': 'Rhaid i’r terfyn fod yn rhif o 1 i {0}.',
  'Local ID is empty: Userdesk finds each account by its Local ID (or User ID).':
    'Mae Local ID yn wag: mae Userdesk yn dod o hyd i bob cyfrif yn ôl ei Local ID (neu ei User ID).',
  "Looking at another user's rights needs the Manage roles permission everywhere.":
    'Mae angen y caniatâd Rheoli rolau ym mhobman i edrych ar hawliau defnyddiwr arall.',
  'Mail about the account now goes to the new address; this notice goes to the old one.':
    'Mae negeseuon am y cyfrif bellach yn mynd i’r cyfeiriad newydd; mae’r hysbysiad hwn yn mynd i’r hen un.',
  'Mailbox size (MB)': 'Maint y blwch post (MB)',
  'Message not found.': 'Heb ddod o hyd i’r neges.',
  'More than one entry of the list is called "{0}": write its id instead ({1}).':
    'Mae mwy nag un cofnod yn y rhestr o’r enw "{0}": ysgrifennwch ei ID yn lle hynny ({1}).',
  'More than one organisation is called "{0}": write its id instead ({1}).':
    'Mae mwy nag un sefydliad o’r enw "{0}": ysgrifennwch ei ID yn lle hynny ({1}).',
  'More than one {0} is called "{1}": write its id instead ({2}).':
    'Mae mwy nag un {0} o’r enw "{1}": ysgrifennwch ei ID yn lle hynny ({2}).',
  'Move (bulk transfer), or put the current OU back in this cell.':
    'Symud (trosglwyddo mewn swmp), neu rhowch yr uned bresennol yn ôl yn y gell hon.',
  'Name is required.': 'Mae angen enw.',
  'Name is required, at most {0} printable characters.': 'Mae angen enw, {0} nod argraffadwy ar y mwyaf.',
  'Name the entry.': 'Rhowch enw i’r cofnod.',
  'Name the unit.': 'Rhowch enw i’r uned.',
  'No account has this Local ID — this will create a new account; check the Local ID if you meant an update.':
    'Nid oes gan unrhyw gyfrif y Local ID hwn — bydd hyn yn creu cyfrif newydd; gwiriwch y Local ID os oeddech am ddiweddaru.',
  'No account you can see has this User ID. Leave User ID empty to find the account by its Local ID.':
    'Nid oes gan unrhyw gyfrif y gallwch ei weld y User ID hwn. Gadewch User ID yn wag i ddod o hyd i’r cyfrif yn ôl ei Local ID.',
  'No user you can see has this id.': 'Nid oes gan unrhyw ddefnyddiwr y gallwch ei weld yr ID hwn.',
  'Nothing to change.': 'Dim i’w newid.',
  'Offset must be a row number from 0.': 'Rhaid i’r gwrthbwyso fod yn rhif rhes o 0 ymlaen.',
  'Only a Super admin can mark a Super admin account as a leaver.':
    'Dim ond Uwch weinyddwr all nodi cyfrif Uwch weinyddwr fel ymadawr.',
  'Only leavers can be claimed: mark this account as a leaver first, or move it within its organisation.':
    'Dim ond ymadawyr y gellir eu hawlio: nodwch y cyfrif hwn fel ymadawr yn gyntaf, neu symudwch ef o fewn ei sefydliad.',
  'Only organisations have settings.': 'Dim ond sefydliadau sydd â gosodiadau.',
  'Only organisations (top-level units) have settings.': 'Dim ond sefydliadau (unedau lefel uchaf) sydd â gosodiadau.',
  'Only {0}, who applied this file, or a Super admin can undo it.':
    'Dim ond {0}, a roddodd y ffeil hon ar waith, neu Uwch weinyddwr all ei dadwneud.',
  'Only {0}, who uploaded this file, can apply it.':
    'Dim ond {0}, a lwythodd y ffeil hon i fyny, all ei rhoi ar waith.',
  'Only {0}, who uploaded this file, or a Super admin can discard it.':
    'Dim ond {0}, a lwythodd y ffeil hon i fyny, neu Uwch weinyddwr all ei thaflu.',
  'Organisations stay organisations; move an OU instead.':
    'Mae sefydliadau’n aros yn sefydliadau; symudwch uned yn lle hynny.',
  'Repeated characters or words are easy to guess: use a few unrelated words.':
    'Mae nodau neu eiriau sy’n cael eu hailadrodd yn hawdd eu dyfalu: defnyddiwch ychydig o eiriau nad ydynt yn perthyn i’w gilydd.',
  'Requests from {0} are not accepted.': 'Ni dderbynnir ceisiadau o {0}.',
  'Row {0} gives another account a username that looks the same: each username may appear once.':
    'Mae rhes {0} yn rhoi enw defnyddiwr sy’n edrych yr un fath i gyfrif arall: dim ond unwaith y caiff pob enw defnyddiwr ymddangos.',
  'Row {0} has a cell beyond column {1}; the users file has at most {2} columns.':
    'Mae gan res {0} gell y tu hwnt i golofn {1}; mae gan y ffeil defnyddwyr {2} colofn ar y mwyaf.',
  'Row {0} refers to a shared string ({1}) the workbook does not have.':
    'Mae rhes {0} yn cyfeirio at linyn a rennir ({1}) nad yw yn y llyfr gwaith.',
  'Save it as "Excel Workbook (.xlsx)" or "CSV UTF-8" and upload it again.':
    'Cadwch hi fel "Excel Workbook (.xlsx)" neu "CSV UTF-8" a’i llwytho i fyny eto.',
  'Save it as "Excel Workbook (.xlsx)" or "CSV UTF-8", without a password, and upload it again.':
    'Cadwch hi fel "Excel Workbook (.xlsx)" neu "CSV UTF-8", heb gyfrinair, a’i llwytho i fyny eto.',
  'Search for at most 200 characters.': 'Chwiliwch am 200 nod ar y mwyaf.',
  "Send If-Match with the ETag of the user you edited, so nobody's change is overwritten.":
    'Anfonwch If-Match gydag ETag y defnyddiwr a olygwyd gennych, fel na chaiff newid neb ei drosysgrifo.',
  'Send the request body as JSON (Content-Type: application/json).':
    'Anfonwch gorff y cais fel JSON (Content-Type: application/json).',
  'Sequences like 1234 or abcd are easy to guess: use a few unrelated words.':
    'Mae dilyniannau fel 1234 neu abcd yn hawdd eu dyfalu: defnyddiwch ychydig o eiriau nad ydynt yn perthyn i’w gilydd.',
  'Several organisations have an account with this Local ID: add the Primary Organisation ID column (or User ID) to say which.':
    'Mae gan sawl sefydliad gyfrif gyda’r Local ID hwn: ychwanegwch y golofn Primary Organisation ID (neu User ID) i ddweud pa un.',
  'Sign in to continue.': 'Mewngofnodwch i barhau.',
  'Some query parameters are not valid.': 'Nid yw rhai paramedrau ymholiad yn ddilys.',
  'Some settings need fixing.': 'Mae angen cywiro rhai gosodiadau.',
  'Some values have the wrong type.': 'Mae gan rai gwerthoedd y math anghywir.',
  'Something went wrong on the server. Try again; if it keeps happening, see the server log.':
    'Aeth rhywbeth o’i le ar y gweinydd. Rhowch gynnig arall arni; os yw’n dal i ddigwydd, edrychwch ar log y gweinydd.',
  'Source is one of console, import, cli, system, scim and api.':
    'Mae’r ffynhonnell yn un o console, import, cli, system, scim ac api.',
  'That entry exists already.': 'Mae’r cofnod hwnnw’n bodoli eisoes.',
  'That is not a username.': 'Nid yw hwnnw’n enw defnyddiwr.',
  'The account no longer exists.': 'Nid yw’r cyfrif yn bodoli mwyach.',
  'The account was deleted after the file was validated.': 'Cafodd y cyfrif ei ddileu ar ôl i’r ffeil gael ei gwirio.',
  'The account with this Local ID could not be read; try again.':
    'Nid oedd modd darllen y cyfrif sydd â’r Local ID hwn; rhowch gynnig arall arni.',
  'The API token is unknown, expired or revoked.': 'Mae’r tocyn API yn anhysbys, wedi dod i ben neu wedi’i ddirymu.',
  'The columns {0} and {1} are the same column ({2}); keep one of them.':
    'Yr un golofn ({2}) yw’r colofnau {0} a {1}; cadwch un ohonynt.',
  'The console was not built into this binary; run `make build`.':
    'Ni chafodd y consol ei adeiladu i mewn i’r ffeil weithredadwy hon; rhedwch `make build`.',
};
