// NOTIFICATIONs named as FRR names them, with the RFC 9003 shutdown communication as text.
import t from 'tap';
import { notificationName, notificationText, shutdownData } from '../../src/wire/index.js';

t.test('names: code/subcode, Unspecific for 0, unknown ones say so', async (t) => {
  const cases: [number, number, string][] = [
    [6, 2, 'Cease/Administrative Shutdown'],
    [6, 10, 'Cease/BFD Down'],
    [6, 0, 'Cease/Unspecific'],
    [4, 0, 'Hold Timer Expired'],
    [3, 11, 'UPDATE Message Error/Malformed AS_PATH'],
    [2, 2, 'OPEN Message Error/Bad Peer AS'],
    [1, 1, 'Message Header Error/Connection Not Synchronized'],
    [5, 2, 'Neighbor Events Error/Receive Unexpected Message in OpenConfirm State'],
    [7, 1, 'ROUTE-REFRESH Message Error/Invalid Message Length'],
    [6, 99, 'Cease/Unknown Subcode 99'],
    [99, 7, 'Unknown Error 99/7'],
  ];
  for (const [code, subcode, name] of cases) t.equal(notificationName(code, subcode), name, `${code}/${subcode}`);
});

t.test('text: the RFC 9003 communication decoded, not hex', async (t) => {
  t.equal(notificationText({ type: 'notification', code: 6, subcode: 2, data: shutdownData('maintenance: rack 4 ✓') }), 'Cease/Administrative Shutdown "maintenance: rack 4 ✓"');
  t.equal(notificationText({ type: 'notification', code: 6, subcode: 4, data: Buffer.alloc(0) }), 'Cease/Administrative Reset');
  t.equal(notificationText({ type: 'notification', code: 6, subcode: 2, data: Buffer.from([9, 0x41]) }), 'Cease/Administrative Shutdown', 'a length past the data is ignored (RFC 9003 2)');
});
