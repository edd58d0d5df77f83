// Welsh for the reasons the server's authorizer gives (a field's lock, an action's refusal).
// Keys are the templates of server-reasons.json (kept current by a Go test in app/authz), with
// {0}, {1}… for the parameters the server fills in (names of units, roles, organisations);
// serverText() in ../server-text.ts matches a reason against them. cy.test.ts fails when a
// template has no Welsh here.
export const reasonsCy: Record<string, string> = {
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
  // Built by concatenation on the server (rights.go), so not in server-reasons.json.
  'This account holds rights you do not have ({0}).': 'Mae gan y cyfrif hwn hawliau nad oes gennych ({0}).',
};
