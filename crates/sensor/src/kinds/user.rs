//! User logins (95, S1 167): someone signs in at a workstation (usually its regular user),
//! reported by the domain controller of its site.

use super::Group;
use crate::world::{app, Role, World};

impl World {
    /// A user login event.
    pub(crate) fn user_login(&mut self, group: &mut Group) {
        let host = self.pick_host(super::HostSet::Workstations).expect("the world has workstations");
        if self.gen.rng.chance(15) {
            // Someone else signs in at this desk.
            let u = self.users[self.gen.rng.index(self.users.len())].id;
            self.hosts[host].user = u;
        }
        let protocol = if self.gen.rng.chance(70) { app::KERBEROS } else { app::LDAP };
        self.emit(group, 95, |w, b| {
            let h = &w.hosts[host];
            let user = w.users.iter().find(|u| u.id == h.user).unwrap_or(&w.users[0]);
            let dc = w.hosts.iter().find(|x| x.role == Role::DomainController && x.device == h.device);
            let (now_s, _) = w.now();
            w.write_disc_header(b, h.device, h.mac, host, 1004, 2);
            let block = b.open(167);
            b.u32(now_s);
            match h.ip {
                std::net::IpAddr::V4(a) => b.raw(&a.octets()),
                std::net::IpAddr::V6(_) => b.zeros(4),
            };
            b.string(&user.username).string("CORP").u32(user.id);
            b.zeros(4 * 3).u32(protocol).zeros(2 * 4); // realm, endpoint profile, security group; ports
            b.string_of(&[&user.username, "@corp.example"]);
            match h.ip {
                std::net::IpAddr::V6(a) => b.raw(&a.octets()),
                std::net::IpAddr::V4(_) => b.zeros(16),
            };
            b.zeros(16).u8(0).u8(1); // locationIpv6Address, loginType, authType
            b.string(dc.map_or("", |d| d.name.as_str())).string("").empty_list(31); // description, VPN sessions
            b.end(block);
        });
    }
}
