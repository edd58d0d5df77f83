// Welsh for the sentences the server writes: the authorizer's reasons (a field's lock, an
// action's refusal), the account rules' field errors, and (parts A and B) the directory
// service's, the CSV reader's, the password rule's and the API's refusals and notes. Keys are
// the templates of server-reasons.json (kept current by a Go test in app/authz, which also gives
// each its code), with {0}, {1}… for the parameters the server fills in (names of units, roles,
// organisations); serverText() in ../server-text.ts finds a sentence by its code, or matches it
// against them. server-text.test.ts fails when a template has no Welsh here.
import { reasonsCyA } from './reasons-cy-a';
import { reasonsCyB } from './reasons-cy-b';

export const reasonsCy: Record<string, string> = {
  // The directory service's, the CSV reader's, the password rule's and the API's sentences.
  ...reasonsCyA,
  ...reasonsCyB,
  'A 1-time completion account gets no activation email: change its account type first.':
    'Nid yw cyfrif cwblhau 1-tro yn cael e-bost actifadu: newidiwch fath y cyfrif yn gyntaf.',
  'A Config admin account can hold at most 25 roles.': 'Gall cyfrif Gweinyddwr ffurfweddu ddal 25 rôl ar y mwyaf.',
  'Accounts move only within their organisation: to move this account to another organisation, mark it as a leaver.':
    'Dim ond o fewn eu sefydliad y mae cyfrifon yn symud: i symud y cyfrif hwn i sefydliad arall, nodwch ei fod yn ymadawr.',
  "An account can't be changed to 1-time completion.": 'Ni ellir newid cyfrif i gwblhau 1-tro.',
  "Date and time formats can't be changed in this organisation.": 'Ni ellir newid fformatau dyddiad ac amser yn y sefydliad hwn.',
  'No Super admin account type or config role gives {0} everywhere.': 'Nid oes math cyfrif Uwch weinyddwr na rôl ffurfweddu sy’n rhoi {0} ym mhobman.',
  'No role gives {0} over {1}.': 'Nid oes rôl sy’n rhoi {0} dros {1}.',
  'Nobody is signed in.': 'Nid oes neb wedi mewngofnodi.',
  "Only a Super admin can change a Super admin account's type.": 'Dim ond Uwch weinyddwr all newid math cyfrif Uwch weinyddwr.',
  'Only a Super admin can change a Super admin account.': 'Dim ond Uwch weinyddwr all newid cyfrif Uwch weinyddwr.',
  'Only a Super admin can make Super admins.': 'Dim ond Uwch weinyddwr all greu Uwch weinyddwyr.',
  'Only a Super admin can manage a Super admin account.': 'Dim ond Uwch weinyddwr all reoli cyfrif Uwch weinyddwr.',
  'Roles are only for Config admin accounts.': 'Mae rolau ar gyfer cyfrifon Gweinyddwr ffurfweddu yn unig.',
  'Sign in first.': 'Mewngofnodwch yn gyntaf.',
  "That unit doesn't exist.": 'Nid yw’r uned honno’n bodoli.',
  "The status follows the account's lifecycle: it changes when the activation email is sent and when the user activates the account.":
    'Mae’r statws yn dilyn cylch bywyd y cyfrif: mae’n newid pan anfonir yr e-bost actifadu a phan fydd y defnyddiwr yn actifadu’r cyfrif.',
  'There is no admin role with this id.': 'Nid oes rôl weinyddol gyda’r ID hwn.',
  'There is no role with this id.': 'Nid oes rôl gyda’r ID hwn.',
  'There is no such account.': 'Nid oes cyfrif o’r fath.',
  'There is no such unit.': 'Nid oes uned o’r fath.',
  'This account is a Super admin: only a Super admin can change its sign-in, rights or organisations.':
    'Uwch weinyddwr yw’r cyfrif hwn: dim ond Uwch weinyddwr all newid ei fewngofnodi, ei hawliau neu ei sefydliadau.',
  'This account is already active.': 'Mae’r cyfrif hwn eisoes yn weithredol.',
  'This account is already marked as a leaver.': 'Mae’r cyfrif hwn eisoes wedi’i nodi fel ymadawr.',
  'This user is assigned to an organisation you have no access to, so {0} locked.':
    'Mae’r defnyddiwr hwn wedi’i neilltuo i sefydliad nad oes gennych fynediad iddo, felly mae {0} wedi’i gloi.',
  'This user is assigned to {0} organisations you have no access to, so {1} locked.':
    'Mae’r defnyddiwr hwn wedi’i neilltuo i {0} sefydliad nad oes gennych fynediad iddynt, felly mae {1} wedi’i gloi.',
  "This user's primary organisation is one you have no access to (the console shows EXTERNAL), so you can't change it.":
    'Mae prif sefydliad y defnyddiwr hwn yn un nad oes gennych fynediad iddo (mae’r consol yn dangos EXTERNAL), felly ni allwch ei newid.',
  'Usernames in {0} can only be changed once the account is active (username policy: after-activation).':
    'Dim ond ar ôl i’r cyfrif fod yn weithredol y gellir newid enwau defnyddwyr yn {0} (polisi enw defnyddiwr: after-activation).',
  "Usernames in {0} can't be changed (username policy: locked).": 'Ni ellir newid enwau defnyddwyr yn {0} (polisi enw defnyddiwr: locked).',
  'You can change the primary organisation only when you and this user are both assigned to the current and the new one.':
    'Dim ond pan fyddwch chi a’r defnyddiwr hwn wedi’ch neilltuo i’r sefydliad presennol a’r un newydd y gallwch newid y prif sefydliad.',
  "You can grant {0} only over a unit where you hold the Grant admin roles permission and every permission of that role; you don't over {1}.":
    'Dim ond dros uned lle mae gennych y caniatâd Rhoi rolau gweinyddol a phob caniatâd y rôl honno y gallwch roi {0}; nid oes gennych hynny dros {1}.',
  'You can only add or remove organisations you have access to.': 'Dim ond sefydliadau y mae gennych fynediad iddynt y gallwch eu hychwanegu neu eu tynnu.',
  'You can only assign organisations you have access to.': 'Dim ond sefydliadau y mae gennych fynediad iddynt y gallwch eu neilltuo.',
  "You can only give or take away roles whose permissions you hold everywhere yourself, and {0} has some you don't.":
    'Dim ond rolau y mae gennych chi eich hun eu holl ganiatâd ym mhobman y gallwch eu rhoi neu eu tynnu, ac mae gan {0} rai nad oes gennych.',
  "You can remove {0} only over a unit where you hold the Grant admin roles permission and every permission of that role; you don't over {1}.":
    'Dim ond dros uned lle mae gennych y caniatâd Rhoi rolau gweinyddol a phob caniatâd y rôl honno y gallwch dynnu {0}; nid oes gennych hynny dros {1}.',
  "You can't change some of these fields.": 'Ni allwch newid rhai o’r meysydd hyn.',
  "You can't change your own account type.": 'Ni allwch newid math eich cyfrif eich hun.',
  "You can't change your own admin roles.": 'Ni allwch newid eich rolau gweinyddol eich hun.',
  "You can't delete your own account.": 'Ni allwch ddileu eich cyfrif eich hun.',
  "You can't mark your own account as a leaver.": 'Ni allwch nodi eich cyfrif eich hun fel ymadawr.',
  "You have no access to this user's primary organisation, so you can't change their single sign-on settings.":
    'Nid oes gennych fynediad i brif sefydliad y defnyddiwr hwn, felly ni allwch newid ei osodiadau mewngofnodi sengl.',
  'You need the Create users permission over {0} to create accounts there.': 'Mae angen y caniatâd Creu defnyddwyr dros {0} arnoch i greu cyfrifon yno.',
  'You need the Edit users permission over {0} to change this account.': 'Mae angen y caniatâd Golygu defnyddwyr dros {0} arnoch i newid y cyfrif hwn.',
  'You need the Grant admin roles permission over {0} to change admin roles.': 'Mae angen y caniatâd Rhoi rolau gweinyddol dros {0} arnoch i newid rolau gweinyddol.',
  'You need the Grant admin roles permission over {0} to give admin roles.': 'Mae angen y caniatâd Rhoi rolau gweinyddol dros {0} arnoch i roi rolau gweinyddol.',
  'You need the Move users permission over {0} to move accounts there.': 'Mae angen y caniatâd Symud defnyddwyr dros {0} arnoch i symud cyfrifon yno.',
  'You need the Move users permission over {0} to move this account.': 'Mae angen y caniatâd Symud defnyddwyr dros {0} arnoch i symud y cyfrif hwn.',
  "You need the View users permission over this user's unit to open this account.":
    'Mae angen y caniatâd Gweld defnyddwyr dros uned y defnyddiwr hwn arnoch i agor y cyfrif hwn.',
  'You need the {0} permission over {1} to {2}.': 'Mae angen y caniatâd {0} dros {1} arnoch i {2}.',
  'A Config admin can hold at most {0} roles.': 'Gall Gweinyddwr ffurfweddu ddal {0} rôl ar y mwyaf.',
  'A new account starts as Created; send the activation email to move it on.': 'Mae cyfrif newydd yn dechrau fel Wedi’i greu; anfonwch yr e-bost actifadu i’w symud ymlaen.',
  'A role is listed twice.': 'Mae rôl wedi’i rhestru ddwywaith.',
  'Account type must be one of internal, external, config_admin, super_admin or one_time.':
    'Rhaid i fath y cyfrif fod yn un o internal, external, config_admin, super_admin neu one_time.',
  'Authentication URL must be a web address starting with https://.': 'Rhaid i’r URL dilysu fod yn gyfeiriad gwe sy’n dechrau gyda https://.',
  'Changing a 1-time completion account\'s type needs "send" (send the activation email now) or "later".':
    'Mae newid math cyfrif cwblhau 1-tro angen "send" (anfon yr e-bost actifadu nawr) neu "later".',
  'Choose a unit you may move users into.': 'Dewiswch uned y cewch symud defnyddwyr iddi.',
  'Choose at least one user.': 'Dewiswch o leiaf un defnyddiwr.',
  'Choose the organisational unit the account lives in.': 'Dewiswch yr uned sefydliadol y mae’r cyfrif yn perthyn iddi.',
  'Choose the primary organisation.': 'Dewiswch y prif sefydliad.',
  'Choose the users to move.': 'Dewiswch y defnyddwyr i’w symud.',
  'Choose whether to send the activation email now.': 'Dewiswch a ddylid anfon yr e-bost actifadu nawr.',
  'Email is required unless it is the same as the username.': 'Mae angen e-bost oni bai ei fod yr un fath â’r enw defnyddiwr.',
  'Email must be an email address, like name@example.org.': 'Rhaid i’r e-bost fod yn gyfeiriad e-bost, fel enw@example.org.',
  'Every admin role must be an existing admin role.': 'Rhaid i bob rôl weinyddol fod yn rôl weinyddol sy’n bodoli.',
  'Every admin role needs an existing scope unit.': 'Mae angen uned gwmpas sy’n bodoli ar bob rôl weinyddol.',
  'Every assigned organisation must be an existing organisation.': 'Rhaid i bob sefydliad a neilltuwyd fod yn sefydliad sy’n bodoli.',
  'Every role must be an existing config role.': 'Rhaid i bob rôl fod yn rôl ffurfweddu sy’n bodoli.',
  'Local ID can be at most {0} printable characters.': 'Gall yr ID lleol fod yn {0} nod argraffadwy ar y mwyaf.',
  'Mailbox size must be between 0 and {0} MB.': 'Rhaid i faint y blwch post fod rhwng 0 a {0} MB.',
  'Move at most 10,000 users at a time.': 'Symudwch 10,000 o ddefnyddwyr ar y mwyaf ar y tro.',
  'New accounts start as Created.': 'Mae cyfrifon newydd yn dechrau fel Wedi’i greu.',
  'No unit you can see has this id.': 'Nid oes gan unrhyw uned y gallwch ei gweld yr ID hwn.',
  'No unit you may move users into has this id.': 'Nid oes gan unrhyw uned y cewch symud defnyddwyr iddi yr ID hwn.',
  "Only a 1-time completion account's type change asks about activation.": 'Dim ond newid math cyfrif cwblhau 1-tro sy’n gofyn am actifadu.',
  "Send activationEmail only when changing a 1-time completion account's type.": 'Anfonwch activationEmail dim ond wrth newid math cyfrif cwblhau 1-tro.',
  'Send confirmSso only with "activationEmail":"send".': 'Anfonwch confirmSso dim ond gyda "activationEmail":"send".',
  'Single sign-on is not configured.': 'Nid yw mewngofnodi sengl wedi’i ffurfweddu.',
  'Some fields are set by Userdesk.': 'Mae Userdesk yn gosod rhai meysydd.',
  'Some values need fixing.': 'Mae angen cywiro rhai gwerthoedd.',
  'Someone else changed this account ({0}) since you opened it. Reload to see their changes, then make yours again.':
    'Newidiodd rhywun arall y cyfrif hwn ({0}) ers i chi ei agor. Ail-lwythwch i weld eu newidiadau, yna gwnewch eich rhai chi eto.',
  'Something went wrong.': 'Aeth rhywbeth o’i le.',
  'Status must be created, pending or active.': 'Rhaid i’r statws fod yn created, pending neu active.',
  'That organisational unit does not exist.': 'Nid yw’r uned sefydliadol honno’n bodoli.',
  "The organisational unit must belong to one of the account's organisations.": 'Rhaid i’r uned sefydliadol berthyn i un o sefydliadau’r cyfrif.',
  'The primary organisation must be an organisation.': 'Rhaid i’r prif sefydliad fod yn sefydliad.',
  'The same role is granted twice over the same unit.': 'Mae’r un rôl wedi’i rhoi ddwywaith dros yr un uned.',
  'This account is managed by a connector: the next sync overwrites manual changes.': 'Mae cysylltydd yn rheoli’r cyfrif hwn: mae’r cysoni nesaf yn trosysgrifo newidiadau â llaw.',
  'This account is marked as a leaver: it gets no activation email until an organisation claims it.':
    'Mae’r cyfrif hwn wedi’i nodi fel ymadawr: ni fydd yn cael e-bost actifadu nes i sefydliad ei hawlio.',
  "This has characters that can't be shown.": 'Mae gan hwn nodau na ellir eu dangos.',
  'Time format must be 24h or 12h.': 'Rhaid i fformat yr amser fod yn 24h neu 12h.',
  'Too many admin roles.': 'Gormod o rolau gweinyddol.',
  'Too many entries.': 'Gormod o gofnodion.',
  'Too many organisations.': 'Gormod o sefydliadau.',
  'Too many users at once.': 'Gormod o ddefnyddwyr ar unwaith.',
  'Unknown unit.': 'Uned anhysbys.',
  'Use at most {0} characters.': 'Defnyddiwch {0} nod ar y mwyaf.',
  'Use digits, spaces and + ( ) - . only, at most 32 characters.': 'Defnyddiwch ddigidau, bylchau a + ( ) - . yn unig, 32 nod ar y mwyaf.',
  'User not found.': 'Heb ddod o hyd i’r defnyddiwr.',
  'Username is required.': 'Mae angen enw defnyddiwr.',
  'Username must be an email address, like name@example.org.': 'Rhaid i’r enw defnyddiwr fod yn gyfeiriad e-bost, fel enw@example.org.',
  'You may not delete this account.': 'Ni chewch ddileu’r cyfrif hwn.',
  "You may not send this account's activation email.": 'Ni chewch anfon e-bost actifadu’r cyfrif hwn.',
  "You need the audit.view permission over this user's unit to read their history.": 'Mae angen y caniatâd audit.view dros uned y defnyddiwr hwn arnoch i ddarllen ei hanes.',
  'You need the audit.view permission to read the audit log.': 'Mae angen y caniatâd audit.view arnoch i ddarllen y log archwilio.',
  // Written with a name first, or by joining a field's label (users.go, validate.go).
  "{0} has no single sign-on configured, so its accounts can't be external (SSO) users.":
    'Nid oes mewngofnodi sengl wedi’i ffurfweddu yn {0}, felly ni all ei gyfrifon fod yn ddefnyddwyr allanol (SSO).',
  'First name is required.': 'Mae angen enw cyntaf.',
  'Last name is required.': 'Mae angen cyfenw.',
  // Built by concatenation on the server (rights.go), so not in server-reasons.json.
  'This account holds rights you do not have ({0}).': 'Mae gan y cyfrif hwn hawliau nad oes gennych ({0}).',
  // What gives a permission, on the rights page ("Given by …").
  'Super admin': 'Uwch weinyddwr',
  'config role {0}': 'rôl ffurfweddu {0}',
  'admin role {0} granted on {1}': 'rôl weinyddol {0} a roddwyd ar {1}',
};

// What a permission is needed for, put by the server into "You need the {0} permission over {1}
// to {2}." (app/authz/capabilities.go); server-text.ts writes these parameters in Welsh.
export const reasonPartsCy: Record<string, string> = {
  'delete this account': 'ddileu’r cyfrif hwn',
  'send the activation email': 'anfon yr e-bost actifadu',
  'mark this account as a leaver': 'nodi’r cyfrif hwn fel ymadawr',
  'sign this account out': 'allgofnodi’r cyfrif hwn',
};
